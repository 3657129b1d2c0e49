"""Forms of the public pages (the admin's are in recognizer/admin/forms.py)."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm


class SignupForm(UserCreationForm):
    """Username and password, and an email address only if the person wants one (for a password reset)."""

    email = forms.EmailField(required=False, max_length=254, label="Email (optional)",
                             help_text="Only used to send you a password-reset link. Leave it empty if you like.",
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        # One account per address, so a reset link can only ever reach the account it names.
        if email and get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account already uses this email address.")
        return email
