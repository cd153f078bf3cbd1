"""The two Anki notetypes every flashgen deck uses.

Anki matches a notetype by id and stops updating notes of one whose field or template *names*
changed, so names and ids here are fixed forever (``tests/test_notetypes.py`` pins them).
Template text and CSS may change: Anki updates those in place.
"""

from __future__ import annotations

from dataclasses import dataclass

import genanki

BASIC_ID = 1251877058
CLOZE_ID = 1750401658

BASIC_NAME = "flashgen Basic"
CLOZE_NAME = "flashgen Cloze"

BASIC_FIELDS = ("Front", "Back", "Extra", "Picture", "Source", "Topic", "Card ID")
CLOZE_FIELDS = ("Text", "Extra", "Picture", "Source", "Topic", "Card ID")
BASIC_TEMPLATES = ("Card 1",)
CLOZE_TEMPLATES = ("Cloze",)

CSS = """\
/* flashgen: mobile first, readable day and night. Anki puts the card class on <body>;
   desktop, AnkiDroid and AnkiMobile add nightMode / night_mode in dark mode. */
.card {
  --fg-text: #1f2328;
  --fg-muted: #4b5563;
  --fg-bg: #ffffff;
  --fg-rule: #9ca3af;
  --fg-accent: #0b57a4;
  --fg-cloze-bg: #e8f1fb;
  font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue",
    Arial, "Noto Sans", sans-serif;
  font-size: 20px;
  line-height: 1.45;
  color: var(--fg-text);
  background-color: var(--fg-bg);
  text-align: left;
  margin: 0;
  padding: 16px;
  overflow-wrap: anywhere;
  word-break: normal;
  hyphens: auto;
  -webkit-text-size-adjust: 100%;
}
.card.nightMode, .card.night_mode, .nightMode .card, .night_mode .card {
  --fg-text: #ececec;
  --fg-muted: #c2c7cf;
  --fg-bg: #1c1c1e;
  --fg-rule: #6b7280;
  --fg-accent: #9cc7ff;
  --fg-cloze-bg: #1f3550;
}
.fg-card { max-width: 40em; margin: 0 auto; }
.fg-topic {
  font-size: 16px;
  font-weight: 600;
  letter-spacing: 0.04em;
  text-transform: uppercase;
  color: var(--fg-muted);
  margin-bottom: 0.6em;
}
.fg-question { font-size: 1em; }
.fg-divider { border: 0; border-top: 2px solid var(--fg-rule); margin: 1em 0; }
.fg-answer { font-size: 1.2em; font-weight: 700; color: var(--fg-text); }
.fg-extra, .fg-source { color: var(--fg-muted); font-size: 17px; margin-top: 1em; }
.fg-source { font-size: 16px; font-style: italic; }
.fg-picture { margin-top: 1em; }
.fg-card img { max-width: 100%; max-height: 55vh; width: auto; height: auto; display: block;
  margin: 0.5em auto; }
/* Stride charts are read like text: their height is not capped, so they never shrink below
   12 px text on a phone (they scroll instead). */
.fg-card img.fg-chart { max-height: none; }
.fg-card ul, .fg-card ol { padding-left: 1.3em; margin: 0.4em 0; }
.cloze { font-weight: 700; }
.card .cloze {
  color: var(--fg-accent);
  background-color: var(--fg-cloze-bg);
  border-radius: 4px;
  padding: 0 0.15em;
}
.card a { color: var(--fg-accent); }
@media (min-width: 700px) {
  .card { font-size: 22px; padding: 24px; }
}
"""

_HEADER = '{{#Topic}}<div class="fg-topic">{{Topic}}</div>{{/Topic}}'
_AFTER_ANSWER = (
    '{{#Extra}}<div class="fg-extra">{{Extra}}</div>{{/Extra}}\n'
    '{{#Picture}}<div class="fg-picture">{{Picture}}</div>{{/Picture}}\n'
    '{{#Source}}<div class="fg-source">Source: {{Source}}</div>{{/Source}}'
)

# The front names its context once, through the question's own cue ("Calf: ..."); the topic
# header joins on the answer side, where it can no longer give the answer away.
BASIC_QFMT = """<div class="fg-card">
<div class="fg-question">{{Front}}</div>
</div>"""

BASIC_AFMT = f"""<div class="fg-card">
{_HEADER}
<div class="fg-question">{{{{Front}}}}</div>
<hr id="answer" class="fg-divider">
<div class="fg-answer">{{{{Back}}}}</div>
{_AFTER_ANSWER}
</div>"""

CLOZE_QFMT = """<div class="fg-card">
<div class="fg-question">{{cloze:Text}}</div>
</div>"""

CLOZE_AFMT = f"""<div class="fg-card">
{_HEADER}
<div class="fg-question">{{{{cloze:Text}}}}</div>
<hr id="answer" class="fg-divider">
{_AFTER_ANSWER}
</div>"""


@dataclass(frozen=True, slots=True)
class Notetypes:
    basic: genanki.Model
    cloze: genanki.Model


def notetypes() -> Notetypes:
    """Fresh genanki models (genanki mutates them while writing, so none is shared)."""
    basic = genanki.Model(
        BASIC_ID,
        BASIC_NAME,
        fields=[{"name": name} for name in BASIC_FIELDS],
        templates=[{"name": BASIC_TEMPLATES[0], "qfmt": BASIC_QFMT, "afmt": BASIC_AFMT}],
        css=CSS,
        sort_field_index=0,
    )
    cloze = genanki.Model(
        CLOZE_ID,
        CLOZE_NAME,
        fields=[{"name": name} for name in CLOZE_FIELDS],
        templates=[{"name": CLOZE_TEMPLATES[0], "qfmt": CLOZE_QFMT, "afmt": CLOZE_AFMT}],
        css=CSS,
        model_type=genanki.Model.CLOZE,
        sort_field_index=0,
    )
    return Notetypes(basic=basic, cloze=cloze)
