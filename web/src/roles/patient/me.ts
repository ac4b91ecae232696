// The signed-in person's user id: a patient's own records, invoices and policies are
// asked for by it.
import { useSession } from "../../api/SessionContext";

export function useMyId(): string {
  const state = useSession();
  return state.status === "signed-in" ? (state.session.user?.id ?? "") : "";
}
