/* The browser scripts' words (mentorsite/messages.py writes the table above this helper into
   assets/messages.<lang>.js): gettext and ngettext over it, plural forms chosen by the
   browser's CLDR plural rules for the page's language, "%(name)s" filled from an object. */
(function () {
  "use strict";
  var data = window.mentorsiteMessages || { lang: "en", messages: {} };
  var rules = window.Intl && Intl.PluralRules ? new Intl.PluralRules(data.lang) : null;

  function fill(text, values) {
    return values ? text.replace(/%\((\w+)\)[sd]/g, function (all, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : all;
    }) : text;
  }

  window.mentorsiteI18n = {
    lang: data.lang,
    /* A label as it reads inside a sentence: lower-cased, but German keeps its nouns' capital. */
    inSentence: function (label) {
      return data.nounsCapitalised ? label : label.toLocaleLowerCase(data.lang);
    },
    gettext: function (msgid, values) {
      var text = data.messages[msgid];
      return fill(typeof text === "string" ? text : msgid, values);
    },
    ngettext: function (singular, plural, n, values) {
      var forms = data.messages[singular], category = rules ? rules.select(n) : (n === 1 ? "one" : "other");
      var text = forms && typeof forms === "object" ? forms[category] || forms.other : (n === 1 ? singular : plural);
      return fill(text, values);
    },
  };
})();
