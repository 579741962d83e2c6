"""The SMS domain code is plain Python: importing it loads no web framework."""

import subprocess
import sys


def test_sms_package_imports_without_flask_or_sqlalchemy():
    code = (
        "import sys\n"
        "import portal.sms.segments, portal.sms.client, portal.sms.delivery, portal.sms.errors\n"
        "loaded = {name.split('.')[0] for name in sys.modules}\n"
        "print(sorted(loaded & {'flask', 'sqlalchemy', 'flask_sqlalchemy', 'rq', 'werkzeug'}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
