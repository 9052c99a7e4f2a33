// Inside Telegram: hand over the initData Telegram signed, then show the learner's page.
(function () {
  "use strict";
  var app = window.Telegram && window.Telegram.WebApp;
  var status = document.getElementById("status");
  var words = JSON.parse(status.dataset.words);
  var user = app && app.initDataUnsafe && app.initDataUnsafe.user;
  var code = ((user && user.language_code) || navigator.language || "en").slice(0, 2);
  var said = words[code] || words.en;
  document.documentElement.lang = words[code] ? code : "en";
  if (code === "fa") {
    document.documentElement.dir = "rtl";
  }
  if (!app || !app.initData) {
    status.textContent = said.outside;
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
      status.textContent = said.refused;
    }
  });
})();
