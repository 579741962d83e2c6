"""SMSAPI's services and their hosts, and the redirect of every host to a stand-in such as the simulator."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

# UNCONFIRMED (SMSAPI.md §1.1): the JS client calls https://smsapi.io/api/sms.do, the PHP, Java and C#
# clients https://smsapi.io/sms.do. We follow the majority; change this one constant if SMSAPI says otherwise.
SMSAPI_IO_BASE_URL = "https://smsapi.io/"


@dataclass(frozen=True)
class Service:
    """One SMSAPI service: a token belongs to exactly one of them (a token used elsewhere gets error 101)."""

    key: str
    display_name: str
    primary_url: str
    backup_url: str | None

    def base_urls(self, override_url: str | None = None) -> list[str]:
        """The primary base URL then the backup, if any, each redirected to `override_url` when set."""
        urls = [self.primary_url] if self.backup_url is None else [self.primary_url, self.backup_url]
        return [redirect_url(url, override_url) for url in urls]


SERVICES: dict[str, Service] = {
    "pl": Service("pl", "SMSAPI.pl", "https://api.smsapi.pl/", "https://api2.smsapi.pl/"),
    "com": Service("com", "SMSAPI.com", "https://api.smsapi.com/", "https://api2.smsapi.com/"),
    "io": Service("io", "smsapi.io", SMSAPI_IO_BASE_URL, None),
}


def get_service(key: str) -> Service:
    """The service named `key` ("pl", "com", "io"), or ValueError naming the known ones."""
    try:
        return SERVICES[key]
    except KeyError:
        raise ValueError(f"unknown SMSAPI service {key!r}; expected one of {sorted(SERVICES)}") from None


def redirect_url(url: str, override_url: str | None) -> str:
    """Point a real SMSAPI URL at a stand-in: `https://api.smsapi.pl/` becomes `{override}/api.smsapi.pl/`.

    The first path segment names the real host, so the stand-in knows which service (and whether the
    primary or the backup host) was called. Without an override the URL is returned unchanged.
    """
    if not override_url:
        return url
    parts = urlsplit(url)
    return f"{override_url.rstrip('/')}/{parts.netloc}{parts.path}"


def service_for_host(host: str) -> tuple[Service, bool] | None:
    """The service a real host name belongs to and whether it is that service's backup host."""
    for service in SERVICES.values():
        if urlsplit(service.primary_url).netloc == host:
            return service, False
        if service.backup_url and urlsplit(service.backup_url).netloc == host:
            return service, True
    return None
