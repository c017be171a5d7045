from django.core.management.base import BaseCommand

from orgs import demo


class Command(BaseCommand):
    help = "Print the demo accounts and their password."

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"  Demo logins (password for all: {demo.DEMO_PASSWORD}):")
        for user in demo.DEMO_USERS:
            self.stdout.write(f"    {user.username:<14} {user.full_name}  — {user.note}")
