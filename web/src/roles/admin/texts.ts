// The admin screens' texts in both languages; i18n/en.ts and i18n/vi.ts merge them, so
// vi must have every key of en (the type checker says which is missing).
export const en = {
  "admin.title": "Administration",
} as const;

export const vi: Record<keyof typeof en, string> = {
  "admin.title": "Quản trị",
};
