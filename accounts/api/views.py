from typing import cast

from drf_spectacular.utils import extend_schema
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import api_view
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from hubportal.parsers import SafeJSONParser

from .serializers import MeSerializer


@extend_schema(responses=MeSerializer)
@api_view(["GET"])
def me(request: Request) -> Response:
    """The authenticated user with their memberships (what the API will let them see)."""
    user = User.objects.prefetch_related("memberships__unit").get(pk=cast(User, request.user).pk)
    return Response(MeSerializer(user).data)


class TokenView(ObtainAuthToken):
    """POST username and password, get the token for `Authorization: Token <key>`."""

    # DRF's view names its own parsers; the portal's bound the body like every other endpoint.
    parser_classes = (SafeJSONParser, FormParser, MultiPartParser)
