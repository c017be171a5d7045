"""The caller's own account: who they are, their API tokens, "log out everywhere"."""

from typing import Any, cast

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import api_view
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services, throttle
from accounts.models import ApiToken, User
from hubportal.parsers import SafeJSONParser

from .serializers import ApiTokenSerializer, IssuedTokenSerializer, MeSerializer, TokenRequestSerializer


@extend_schema(responses=MeSerializer)
@api_view(["GET"])
def me(request: Request) -> Response:
    """The authenticated user with their memberships (what the API will let them see)."""
    user = User.objects.prefetch_related("memberships__unit").get(pk=cast(User, request.user).pk)
    return Response(MeSerializer(user).data)


def issued(token: ApiToken, key: str) -> dict[str, Any]:
    return dict(IssuedTokenSerializer(token).data, token=key)


class TokenView(APIView):
    """POST username and password (and a name for the token), get a key for
    `Authorization: Token <key>`, valid `HUB_API_TOKEN_DAYS` days (30). The key is shown once.

    Throttled per client address and per account (429 with `Retry-After`); five wrong
    passwords lock the username out for 15 minutes, as on the login page."""

    # Credentials come in the body: no session (and so no CSRF), no token.
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes: list[Any] = []
    # The portal's parser bounds the body like every other endpoint's.
    parser_classes = (SafeJSONParser, FormParser, MultiPartParser)

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: IssuedTokenSerializer,
            400: OpenApiResponse(description="Missing or wrong credentials, or too many tokens."),
            429: OpenApiResponse(description="Too many requests or failed log-ins; see Retry-After."),
        },
    )
    def post(self, request: Request) -> Response:
        body = TokenRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        django_request = request._request  # axes flags the Django request its middleware sees
        throttle.check_token_request(django_request, data["username"])
        user = authenticate(django_request, username=data["username"], password=data["password"])
        if user is None:
            raise exceptions.ValidationError(
                {"non_field_errors": [_("Unable to log in with the username and password given.")]}
            )
        token, key = services.issue_api_token(user, name=data["name"])
        return Response(issued(token, key), status=status.HTTP_200_OK)


class ApiTokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's own valid API tokens (never their keys); DELETE revokes one."""

    serializer_class = ApiTokenSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return ApiToken.objects.active().filter(user_id=self.request.user.pk)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: Any = None) -> Response:
        services.revoke_api_token(request.user, pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(request=None, responses={204: None})
@api_view(["POST"])
def log_out_everywhere(request: Request) -> Response:
    """End every session of the caller's account and revoke all their API tokens (this
    request's session or token included)."""
    services.log_out_everywhere(request.user)
    return Response(status=status.HTTP_204_NO_CONTENT)
