from django.contrib.auth.decorators import user_passes_test

from support.roles import can_view_ops

# Staff without the ops permission are sent to sign in as someone who has it.
ops_required = user_passes_test(can_view_ops, login_url="/admin/login/")
