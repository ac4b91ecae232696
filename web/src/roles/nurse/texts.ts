// The nurse screens' texts in both languages; i18n/en.ts and i18n/vi.ts merge them, so
// vi must have every key of en (the type checker says which is missing). The vital signs
// form (src/staff/VitalsForm.tsx) is the nurse's and the doctor's; its texts live here.
export const en = {
  "nav.checkIn": "Check-in",
  "nurse.title": "Check-in",
  "nurse.help":
    "The clinic's appointments that wait for the patient. Check patients in as they arrive.",
  "nurse.recordVitals": "Record vitals",
  "nurse.vitalsTitle": "Vital signs",
  "nurse.back": "Check-in desk",
  "nurse.notCheckedIn": "Vital signs are recorded once the patient is checked in.",
  "nurse.recorded": "Recorded at {time}.",
  "nurse.recordedNow": "Recorded during this visit",

  "vitals.title": "Vital signs",
  "vitals.temperature": "Temperature",
  "vitals.heartRate": "Pulse",
  "vitals.systolic": "Systolic BP",
  "vitals.diastolic": "Diastolic BP",
  "vitals.bloodPressure": "Blood pressure",
  "vitals.respiratoryRate": "Respiratory rate",
  "vitals.spo2": "SpO₂",
  "vitals.weight": "Weight",
  "vitals.height": "Height",
  "vitals.when": "Measured",
  "vitals.range": "{min}–{max} {unit}; leave empty if not measured",
  "vitals.save": "Save vital signs",
  "vitals.bmi": "Body mass index: {bmi}",
  "vitals.error.range": "must be between {min} and {max} {unit}",
  "vitals.error.number": "must be a number, like 36.8",
  "vitals.error.integer": "must be a whole number",
  "vitals.error.order": "must be higher than the diastolic pressure",
  "vitals.error.pair": "systolic and diastolic pressure go together",
  "vitals.error.none": "Enter at least one measurement.",

  "reason.NO_ENCOUNTER_TODAY":
    "Nurses record vital signs for a visit of today only. This appointment is on another day.",
  "reason.ENCOUNTER_FULL": "This encounter has as many entries as it can hold.",
} as const;

export const vi: Record<keyof typeof en, string> = {
  "nav.checkIn": "Tiếp đón",
  "nurse.title": "Tiếp đón",
  "nurse.help": "Các lịch hẹn của phòng khám đang chờ bệnh nhân. Tiếp đón bệnh nhân khi họ đến.",
  "nurse.recordVitals": "Đo sinh hiệu",
  "nurse.vitalsTitle": "Dấu hiệu sinh tồn",
  "nurse.back": "Quầy tiếp đón",
  "nurse.notCheckedIn": "Dấu hiệu sinh tồn được ghi khi bệnh nhân đã được tiếp đón.",
  "nurse.recorded": "Đã ghi lúc {time}.",
  "nurse.recordedNow": "Đã ghi trong lượt khám này",

  "vitals.title": "Dấu hiệu sinh tồn",
  "vitals.temperature": "Nhiệt độ",
  "vitals.heartRate": "Mạch",
  "vitals.systolic": "Huyết áp tâm thu",
  "vitals.diastolic": "Huyết áp tâm trương",
  "vitals.bloodPressure": "Huyết áp",
  "vitals.respiratoryRate": "Nhịp thở",
  "vitals.spo2": "SpO₂",
  "vitals.weight": "Cân nặng",
  "vitals.height": "Chiều cao",
  "vitals.when": "Thời điểm đo",
  "vitals.range": "{min}–{max} {unit}; để trống nếu không đo",
  "vitals.save": "Lưu dấu hiệu sinh tồn",
  "vitals.bmi": "Chỉ số khối cơ thể (BMI): {bmi}",
  "vitals.error.range": "phải trong khoảng {min} đến {max} {unit}",
  "vitals.error.number": "phải là một số, ví dụ 36,8",
  "vitals.error.integer": "phải là số nguyên",
  "vitals.error.order": "phải cao hơn huyết áp tâm trương",
  "vitals.error.pair": "cần nhập cả huyết áp tâm thu và tâm trương",
  "vitals.error.none": "Hãy nhập ít nhất một chỉ số.",

  "reason.NO_ENCOUNTER_TODAY":
    "Điều dưỡng chỉ ghi dấu hiệu sinh tồn cho lượt khám hôm nay. Lịch hẹn này vào ngày khác.",
  "reason.ENCOUNTER_FULL": "Lượt khám này đã đạt số mục tối đa.",
};
