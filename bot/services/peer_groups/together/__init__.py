"""A peer group's opt-in ingredients (issue 26, points 3-5): members who choose to may share
their steps under a name they confirm (`progress_sharing`), have a buddy in the group (`buddy`)
and host a week (`host_rotation`). Each is a protocol component a group gets from its arm or its
group-factorial draw (`ingredients.group_has`); a group without it offers none of it, and
everything is off for a member until they switch it on in their private chat.
"""
