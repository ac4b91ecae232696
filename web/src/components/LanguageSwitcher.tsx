// Switches the page between English and Vietnamese.
import { ToggleButton, ToggleButtonGroup, type Key } from "react-aria-components";
import { isLang, useI18n } from "../i18n";

export function LanguageSwitcher() {
  const { lang, setLang, t } = useI18n();
  const choose = (keys: Set<Key>) => {
    const [next] = [...keys];
    if (typeof next === "string" && isLang(next)) setLang(next);
  };
  return (
    <ToggleButtonGroup
      aria-label={t("app.language")}
      selectionMode="single"
      disallowEmptySelection
      selectedKeys={[lang]}
      onSelectionChange={choose}
      className="lang"
    >
      <ToggleButton id="en" lang="en">
        EN
      </ToggleButton>
      <ToggleButton id="vi" lang="vi">
        VI
      </ToggleButton>
    </ToggleButtonGroup>
  );
}
