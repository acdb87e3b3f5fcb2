"""Every event the application writes to the audit log has a Swedish name on the log page."""

import re
from pathlib import Path

from supportline.audit.review import ACTION_LABELS, action_label

SOURCE = Path(__file__).resolve().parents[2] / "supportline"
# record("x.y", ...), record_read("x.y", ...), audit_list(actor, "x.y", ...), action="x.y", action = "x.y",
# and the two-way record("x.y" if ... else "x.z", ...).
CALLS = re.compile(r'(?:record(?:_read)?\(\s*|audit_list\(\s*\w+,\s*|action\s*=\s*)"([a-z_]+\.[a-z_.]+)"')
CONDITIONAL = re.compile(r'record\(\s*"[a-z_.]+"\s+if\s[^"\n]*\belse\s+"([a-z_]+\.[a-z_.]+)"')


def _actions_in_code() -> set[str]:
    found = set()
    for path in SOURCE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        found.update(CALLS.findall(text))
        found.update(CONDITIONAL.findall(text))
    return found


def test_every_recorded_action_has_a_swedish_label():
    actions = _actions_in_code()
    # The scan itself must see the events named in the issue.
    assert {"article.update", "stats.export", "user.deactivate", "inquiry.read.edit"} <= actions
    missing = sorted(a for a in actions if a not in ACTION_LABELS)
    assert missing == [], f"no Swedish label for {missing}"


def test_label_shown_on_the_log_page(app, client, login_as):
    login_as("admin")
    html = client.get("/admin/logg/?action=user.deactivate").get_data(as_text=True)
    assert "Konto inaktiverat" in html
    assert action_label("stats.export") == "Statistik exporterad"
