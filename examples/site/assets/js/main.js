// Remembers which page a visitor landed on so the quote form can say where
// the lead started, even if they browse before submitting. No cookies.
(function () {
  "use strict";
  var key = "hp-first-page";
  try {
    if (!sessionStorage.getItem(key)) {
      sessionStorage.setItem(key, location.pathname);
    }
    var first = sessionStorage.getItem(key);
    document.querySelectorAll("form[action] input[name=form_tracking]").forEach(function (input) {
      var extra = document.createElement("input");
      extra.type = "hidden";
      extra.name = "first_page";
      extra.value = first;
      input.after(extra);
    });
  } catch (e) {
    // Private browsing without storage: the tracking id alone still works.
  }
})();
