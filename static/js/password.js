/*
 * password.js - a show/hide switch beside each password field marked
 * data-password-toggle (spec 3.1.4: masked by default, the user may choose
 * to see what they typed).  Without scripts the field simply stays masked.
 */
(function () {
  "use strict";
  var fields = document.querySelectorAll("input[data-password-toggle]");
  Array.prototype.forEach.call(fields, function (input) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button button-secondary password-toggle";
    button.textContent = "パスワードを表示";
    button.setAttribute("aria-controls", input.id);
    button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", function () {
      var show = input.type === "password";
      input.type = show ? "text" : "password";
      button.textContent = show ? "パスワードを隠す" : "パスワードを表示";
      button.setAttribute("aria-pressed", show ? "true" : "false");
    });
    input.insertAdjacentElement("afterend", button);
  });
})();
