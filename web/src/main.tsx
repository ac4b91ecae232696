// Starts the web app: the backend at this page's origin, the session restored from its
// cookie, and the React tree.
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { createBackend } from "./api/transport";
import "./styles.css";

const backend = createBackend(window.location.origin);
void backend.session.restore();

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App backend={backend} />
    </StrictMode>,
  );
}
