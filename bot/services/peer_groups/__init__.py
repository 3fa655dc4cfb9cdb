"""The peer arm: pools, groups and their Telegram chats, posts, moderation, flags."""
