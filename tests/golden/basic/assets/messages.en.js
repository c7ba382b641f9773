window.mentorsiteMessages = {"lang": "en", "messages": {"%(count)s mentor": {"one": "%(count)s mentor", "other": "%(count)s mentors"}, "%(count)s mentor matched": {"one": "%(count)s mentor matched", "other": "%(count)s mentors matched"}, "%(count)s of your topics": {"one": "%(count)s of your topics", "other": "%(count)s of your topics"}, "%(facet)s options": "%(facet)s options", "%(facet)s: %(value)s": "%(facet)s: %(value)s", "%(name)s has paused new requests.": "%(name)s has paused new requests.", "%(name)s is full and not taking requests now.": "%(name)s is full and not taking requests now.", "%(name)s is not taking new mentees right now.": "%(name)s is not taking new mentees right now.", "Accepting mentees only": "Accepting mentees only", "Active filters": "Active filters", "Availability": "Availability", "Choose at least one topic or preference to get suggestions.": "Choose at least one topic or preference to get suggestions.", "Clear all": "Clear all", "Error: %(message)s": "Error: %(message)s", "Filter mentors": "Filter mentors", "Filters": "Filters", "Finding your matches…": "Finding your matches…", "Full — not taking requests now": "Full — not taking requests now", "Matching is unavailable right now; please browse the directory.": "Matching is unavailable right now; please browse the directory.", "No accepting mentor matches these answers yet. Try fewer or other answers.": "No accepting mentor matches these answers yet. Try fewer or other answers.", "No mentors match all of these choices. Remove a filter or try other words.": "No mentors match all of these choices. Remove a filter or try other words.", "Not accepting": "Not accepting", "Paused": "Paused", "Remove filter ": "Remove filter ", "Search is unavailable right now; the directory pages still list every mentor.": "Search is unavailable right now; the directory pages still list every mentor.", "Sending your request…": "Sending your request…", "Sending…": "Sending…", "Show %(count)s more": "Show %(count)s more", "Show %(count)s more mentor (%(shown)s of %(total)s shown)": {"one": "Show %(count)s more mentor (%(shown)s of %(total)s shown)", "other": "Show %(count)s more mentors (%(shown)s of %(total)s shown)"}, "Show all %(count)s": "Show all %(count)s", "Show fewer": "Show fewer", "Thank you! Your request has been sent.": "Thank you! Your request has been sent.", "The contact service answered unexpectedly (%(status)s). Nothing was sent; please try again later.": "The contact service answered unexpectedly (%(status)s). Nothing was sent; please try again later.", "The matcher could not load the mentor index. Please browse the directory instead.": "The matcher could not load the mentor index. Please browse the directory instead.", "We could not reach the contact service, so nothing was sent. Please check your connection and try again; your text is still here.": "We could not reach the contact service, so nothing was sent. Please check your connection and try again; your text is still here.", "What happens next": "What happens next", "Why this match: ": "Why this match: ", "Your reference is %(reference)s. The mentor will reply to the email address you gave.": "Your reference is %(reference)s. The mentor will reply to the email address you gave.", "Your request could not be sent. Please try again later.": "Your request could not be sent. Please try again later.", "Your top %(top)s of %(count)s mentor who match": {"one": "Your top %(top)s of %(count)s mentor who match", "other": "Your top %(top)s of %(count)s mentors who match"}, "covers your topic": "covers your topic", "meets %(cadence)s": "meets %(cadence)s", "mentor": {"one": "mentor", "other": "mentors"}, "mentoring": "mentoring", "offers %(format)s": "offers %(format)s", "offers %(format)s mentoring": "offers %(format)s mentoring", "same region": "same region", "same time zone": "same time zone", "speaks %(language)s": "speaks %(language)s", "time zone within 2 hours": "time zone within 2 hours"}, "nounsCapitalised": false};
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
