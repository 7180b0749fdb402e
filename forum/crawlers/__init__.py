"""What search engines, browsers and home screens ask a site for: robots.txt, sitemaps, icons, the
web app manifest."""
