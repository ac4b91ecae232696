// The top of the public pages: the clinic's name and the language switcher.
import { useI18n } from "../i18n";
import { LanguageSwitcher } from "../components/LanguageSwitcher";

export function PublicHeader() {
  const { t } = useI18n();
  return (
    <div className="public-header">
      <span className="brand">
        <span className="logo" aria-hidden="true">
          ✚
        </span>
        {t("app.title")}
      </span>
      <LanguageSwitcher />
    </div>
  );
}
