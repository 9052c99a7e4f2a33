// Inside Telegram: hand over the initData Telegram signed, then show the learner's page.
(function () {
  "use strict";
  var app = window.Telegram && window.Telegram.WebApp;
  var status = document.getElementById("status");
  if (!app || !app.initData) {
    status.textContent = "Open this page from the coach's button in Telegram.";
    return;
  }
  app.ready();
  fetch("/telegram/signin", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: "init_data=" + encodeURIComponent(app.initData),
  }).then(function (response) {
    if (response.ok) {
      window.location.replace("/");
    } else {
      status.textContent = "Telegram could not sign you in. Send /web in the chat.";
    }
  });
})();
