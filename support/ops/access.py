from support.roles import can_view_ops
from support.staff_pages import staff_page

# Visitors sign in; signed-in people without the ops permission are told the page is not theirs.
ops_required = staff_page(can_view_ops)
