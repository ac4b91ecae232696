// A page that failed to render (most often a screen's code that can no longer be fetched
// because a newer version of the app was deployed meanwhile) says so and offers a reload,
// instead of leaving the page blank.
import { Component, type ReactNode } from "react";
import { useI18n } from "../i18n";

function Failed() {
  const { t } = useI18n();
  return (
    <div className="problem" role="alert">
      <p>{t("app.failed")}</p>
      <button type="button" className="button" onClick={() => window.location.reload()}>
        {t("app.reload")}
      </button>
    </div>
  );
}

export class ErrorBoundary extends Component<{ children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };

  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }

  override render(): ReactNode {
    return this.state.failed ? <Failed /> : this.props.children;
  }
}
