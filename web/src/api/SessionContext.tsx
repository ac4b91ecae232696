// The session and the backend for components: who is signed in, and the manager that signs
// in and out.
import { createContext, useContext, useSyncExternalStore, type ReactNode } from "react";
import type { SessionManager, SessionState } from "./session";

const SessionContext = createContext<SessionManager | undefined>(undefined);

export function SessionProvider({
  manager,
  children,
}: {
  manager: SessionManager;
  children: ReactNode;
}) {
  return <SessionContext.Provider value={manager}>{children}</SessionContext.Provider>;
}

export function useSessionManager(): SessionManager {
  const manager = useContext(SessionContext);
  if (!manager) throw new Error("useSessionManager outside SessionProvider");
  return manager;
}

export function useSession(): SessionState {
  const manager = useSessionManager();
  return useSyncExternalStore(manager.subscribe, manager.getState, manager.getState);
}
