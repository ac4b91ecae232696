// The nurse screens' texts in both languages; i18n/en.ts and i18n/vi.ts merge them, so
// vi must have every key of en (the type checker says which is missing).
export const en = {
  "nav.checkIn": "Check-in",
  "nurse.title": "Check-in",
  "nurse.help":
    "The clinic's appointments that wait for the patient. Check patients in as they arrive.",
} as const;

export const vi: Record<keyof typeof en, string> = {
  "nav.checkIn": "Tiếp đón",
  "nurse.title": "Tiếp đón",
  "nurse.help": "Các lịch hẹn của phòng khám đang chờ bệnh nhân. Tiếp đón bệnh nhân khi họ đến.",
};
