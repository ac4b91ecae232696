// The doctor screens' texts in both languages; i18n/en.ts and i18n/vi.ts merge them, so
// vi must have every key of en (the type checker says which is missing).
export const en = {
  "nav.worklist": "Worklist",
  "work.title": "Worklist",
  "work.today": "Today",
  "work.week": "This week",
  "work.nextWeek": "Next week",
  "work.confirm": "Confirm",
  "work.confirmed": "Confirmed.",
  "work.checkIn": "Check in",
  "work.checkedIn": "Checked in.",
  "work.complete": "Complete",
  "work.none": "No appointments.",
  "work.requests": "{count} to confirm",
  "work.chart": "Appointments by status",
  "work.utilisation": "Booked {percent} of consulting time.",
} as const;

export const vi: Record<keyof typeof en, string> = {
  "nav.worklist": "Danh sách khám",
  "work.title": "Danh sách khám",
  "work.today": "Hôm nay",
  "work.week": "Tuần này",
  "work.nextWeek": "Tuần sau",
  "work.confirm": "Xác nhận",
  "work.confirmed": "Đã xác nhận.",
  "work.checkIn": "Tiếp đón",
  "work.checkedIn": "Đã tiếp đón.",
  "work.complete": "Hoàn tất",
  "work.none": "Không có lịch hẹn.",
  "work.requests": "{count} lịch chờ xác nhận",
  "work.chart": "Lịch hẹn theo trạng thái",
  "work.utilisation": "Đã đặt {percent} thời gian khám.",
};
