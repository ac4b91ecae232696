import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import {
  Channel,
  NotificationType,
  PreferencesSchema,
} from "@hms/sdk/hms/notification/v1/notification_pb";
import { base64UrlBytes, deviceLabel } from "./push";
import { PUSH_TYPES, pushEnabled, typeRules } from "./Profile";

describe("push subscription", () => {
  it("reads the server's base64url key as the bytes PushManager takes", () => {
    expect([...base64UrlBytes("BA")]).toEqual([4]);
    expect([...base64UrlBytes("-_8")]).toEqual([0xfb, 0xff]);
    // A VAPID public key: 65 bytes, an uncompressed point (0x04 first).
    const key = base64UrlBytes(
      "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
    );
    expect(key.length).toBe(65);
    expect(key[0]).toBe(4);
  });

  it("names the device by browser and system", () => {
    const chromeLinux =
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36";
    expect(deviceLabel(chromeLinux)).toBe("Chrome on Linux");
    expect(
      deviceLabel("Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0"),
    ).toBe("Firefox on Android");
    expect(
      deviceLabel(
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1",
      ),
    ).toBe("Safari on iOS");
    expect(deviceLabel("curl/8")).toBe("Browser");
  });
});

describe("push preferences", () => {
  const reminders = PUSH_TYPES[0]?.types ?? [];
  it("are on unless a rule turns a kind off", () => {
    expect(pushEnabled(undefined, reminders)).toBe(true);
    const off = create(PreferencesSchema, {
      rules: [{ type: reminders[0], channel: Channel.PUSH, enabled: false }],
    });
    expect(pushEnabled(off, reminders)).toBe(false);
  });

  it("set every type of a kind and keep other single-type rules", () => {
    const prefs = create(PreferencesSchema, {
      rules: [
        { type: NotificationType.INVOICE_GENERATED, channel: Channel.EMAIL, enabled: false },
        { type: reminders[0], channel: Channel.PUSH, enabled: true },
        { type: NotificationType.UNSPECIFIED, channel: Channel.SMS, enabled: true },
      ],
    });
    const rules = typeRules(prefs, [false, true, true]);
    expect(rules).toContainEqual(
      expect.objectContaining({
        type: NotificationType.INVOICE_GENERATED,
        channel: Channel.EMAIL,
        enabled: false,
      }),
    );
    for (const type of reminders) {
      expect(rules.filter((r) => r.type === type && r.channel === Channel.PUSH)).toEqual([
        { type, channel: Channel.PUSH, enabled: false },
      ]);
    }
    expect(rules.some((r) => r.type === NotificationType.UNSPECIFIED)).toBe(false);
    expect(rules.filter((r) => r.channel === Channel.PUSH)).toHaveLength(6);
  });
});
