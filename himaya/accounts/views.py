from __future__ import annotations

import base64
import io

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from himaya.accounts import queries, services
from himaya.accounts.access import allow, public
from himaya.accounts.forms import InviteForm, SecondFactorForm, TokenForm
from himaya.accounts.roles import EVERY_ROLE, USER_MANAGERS
from himaya.accounts.scopes import fetch_or_404, scope_for
from himaya.audit.services import audit_record


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):  # noqa: ANN001, ANN201
        response = super().form_valid(form)
        # Show the interface in the language the user chose in their profile.
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            self.request.user.preferred_language,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        )
        return response


sign_in = public(SignInView.as_view())
sign_out = public(auth_views.LogoutView.as_view())
password_reset = public(
    auth_views.PasswordResetView.as_view(
        template_name="accounts/password_reset.html",
        email_template_name="accounts/email/password_reset.txt",
        success_url="/accounts/password-reset/sent/",
    )
)
password_reset_sent = public(
    auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_sent.html")
)
password_reset_confirm = public(
    auth_views.PasswordResetConfirmView.as_view(
        template_name="accounts/password_reset_confirm.html",
        success_url="/accounts/password-reset/done/",
    )
)
password_reset_done = public(
    auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_done.html")
)


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@public
def two_factor(request: HttpRequest) -> HttpResponse:
    """Verify a code, or enrol a TOTP device the first time."""
    if not request.user.is_authenticated:
        return redirect(settings.LOGIN_URL)
    if request.user.is_verified():
        return redirect("accounts:home")
    enrolled = user_has_device(request.user, confirmed=True)
    device = None
    if not enrolled:
        device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
        if device is None:
            device = TOTPDevice.objects.create(user=request.user, name="Himaya", confirmed=False)
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        if enrolled:
            verified = next(
                (
                    d
                    for d in TOTPDevice.objects.filter(user=request.user, confirmed=True)
                    if d.verify_token(code)
                ),
                None,
            )
        else:
            verified = device if services.confirm_totp_device(
                user=request.user, device=device, code=code
            ) else None
        if verified is not None:
            otp_login(request, verified)
            return redirect(request.GET.get("next") or "accounts:home")
        audit_record(actor=request.user, kind="security", action="second_factor.failure",
                     target=request.user)
        form.add_error("code", _("This code is not valid. Codes change every 30 seconds."))
    context = {"form": form, "enrolled": enrolled}
    if device is not None:
        context["qr"] = _qr_svg(device.config_url)
        context["secret"] = base64.b32encode(device.bin_key).decode()
    return render(request, "accounts/two_factor.html", context)


@allow(EVERY_ROLE)
def home(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    return render(
        request,
        "accounts/home.html",
        {"membership": request.user.membership, "scope": scope},
    )


@allow(USER_MANAGERS)
def user_list(request: HttpRequest) -> HttpResponse:
    users = queries.users_manageable_by(request.user)
    return render(request, "accounts/user_list.html", {"users": users})


@allow(USER_MANAGERS)
def user_invite(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST or None, scope=scope_for(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_invite(
                actor=request.user,
                username=data["username"],
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                organisation=data["organisation"],
                role=data["role"],
                regions=data.get("regions") or [],
                preferred_language=data["preferred_language"],
                base_url=request.build_absolute_uri("/")[:-1],
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": user.email})
            return redirect("accounts:user-list")
    return render(request, "accounts/user_invite.html", {"form": form})


@allow(USER_MANAGERS)
@require_POST
def user_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    user = queries.managed_user_for(request.user, pk)
    active = request.POST.get("active") == "1"
    try:
        services.user_set_active(actor=request.user, user=user, active=active)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Account reactivated.") if active else _("Account deactivated."),
        )
    return redirect("accounts:user-list")


@allow(USER_MANAGERS)
@require_POST
def user_reset_second_factor(request: HttpRequest, pk: int) -> HttpResponse:
    user = queries.managed_user_for(request.user, pk)
    services.user_reset_second_factor(actor=request.user, user=user)
    messages.success(
        request,
        _("The second factor of %(username)s was reset; they will enrol a new device at sign-in.")
        % {"username": user.username},
    )
    return redirect("accounts:user-list")


@allow(EVERY_ROLE)
def token_list(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        issued = services.token_create(actor=request.user, name=form.cleaned_data["name"])
        form = TokenForm()
    return render(
        request,
        "accounts/token_list.html",
        {"tokens": queries.tokens_of(request.user), "form": form, "issued": issued},
    )


@allow(EVERY_ROLE)
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = fetch_or_404(queries.tokens_of(request.user), pk=pk)
    services.token_revoke(actor=request.user, token=token)
    messages.success(request, _("Token revoked."))
    return redirect("accounts:token-list")
