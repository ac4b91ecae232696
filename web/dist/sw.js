// The web app's service worker: it shows the notifications HMS pushes (Web Push) while no
// tab of the app is open, and opens the app at the notification's link when one is clicked.
// A push carries {title, body, url} and never clinical detail (the notification service
// writes it like an email subject: what happened and where to look).
"use strict";

/** Only the app's own pages: a link elsewhere opens the inbox instead. */
function appUrl(link) {
  try {
    const url = new URL(link || "/notifications", self.location.origin);
    return url.origin === self.location.origin ? url.href : "/notifications";
  } catch {
    return "/notifications";
  }
}

self.addEventListener("push", (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch {
    message = { title: event.data ? event.data.text() : "" };
  }
  event.waitUntil(
    self.registration.showNotification(message.title || "HMS", {
      body: message.body || "",
      icon: "/favicon.svg",
      tag: message.tag || undefined,
      data: { url: appUrl(message.url) },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || appUrl();
  event.waitUntil(
    (async () => {
      const open = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      const tab = open.find((client) => new URL(client.url).origin === self.location.origin);
      if (tab) {
        await tab.focus();
        return tab.navigate(url);
      }
      return self.clients.openWindow(url);
    })(),
  );
});
