// A template's preview: its placeholders ({{ name }}, minijinja's syntax) filled in with
// sample values, as the notification service would with a Send's data. The service has no
// preview call, so this is done here; a name without a sample shows as «name».
export const SAMPLES: Record<string, string> = {
  patient_name: "Nguyễn Văn An",
  doctor_name: "BS. Trần Thị Bình",
  user_name: "Nguyễn Văn An",
  name: "Nguyễn Văn An",
  appointment_date: "08/12/2026",
  appointment_time: "09:30",
  time: "09:30",
  location: "P.101",
  service_name: "Khám tổng quát",
  feedback_link: "https://clinic.example/feedback?appointment_id=…",
  reset_link: "https://clinic.example/reset-password?token=…",
  expires_in_minutes: "30",
  invoice_number: "INV-2026-0001",
  amount: "150.000 ₫",
  due_date: "15/12/2026",
  order_id: "RX-0001",
  medication_name: "Paracetamol 500 mg",
  pharmacy_location: "Quầy thuốc tầng 1",
  quantity_left: "12",
  claim_number: "CLM-0001",
  claim_status: "APPROVED",
  diagnosis: "J06.9",
};

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*(\|[^}]*)?\}\}/g;

/** The names a text uses, each once, in order of first use. */
export function placeholders(text: string): string[] {
  const names: string[] = [];
  for (const m of text.matchAll(PLACEHOLDER)) {
    const name = m[1] ?? "";
    if (name && !names.includes(name)) names.push(name);
  }
  return names;
}

/** The text with each placeholder replaced by its sample (filters are ignored). */
export function renderPreview(text: string, samples: Record<string, string> = SAMPLES): string {
  return text.replace(PLACEHOLDER, (_, name: string) => samples[name] ?? `«${name}»`);
}

/** Names the edited text uses that the shipped text does not: data Send may not carry. */
export function unknownPlaceholders(edited: string, original: string): string[] {
  const known = new Set([...placeholders(original), ...Object.keys(SAMPLES)]);
  return placeholders(edited).filter((n) => !known.has(n));
}
