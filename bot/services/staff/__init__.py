"""Staff: roles and invites, and the commands of admins, researchers and counsellors."""
