// Doctors' display names as the booking calendar gives them, remembered for the pages that
// only have a doctor's id (appointment lists, alternatives of a refused booking).
const names = new Map<string, string>();

export function learnName(id: string, name: string): void {
  if (id && name) names.set(id, name);
}

export function knownName(id: string): string | undefined {
  return names.get(id);
}
