"""Browser sessions through django-qsessions, which stores each one with its user, client
address and browser so that the sessions page can list and end them."""

from qsessions.middleware import SessionMiddleware as QSessionsMiddleware

from fermusic.lib.clients import client_ip


class SessionMiddleware(QSessionsMiddleware):
    """qsessions' middleware, recording the client address by the TRUSTED_PROXIES rule."""

    def process_request(self, request):
        super().process_request(request)
        request.session.ip = client_ip(request)
