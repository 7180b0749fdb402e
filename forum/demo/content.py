"""Demo content for the fictional product "Tallybook", a team task and project app.

Everything here is made up. Some posts deliberately describe the same problem in
different words, so duplicate detection and theme grouping have something to find.
"""

CATEGORIES = [
    {
        "slug": "tasks-projects",
        "name": "Tasks & projects",
        "description": "Boards, lists, subtasks, recurring work, dependencies and templates.",
    },
    {
        "slug": "mobile",
        "name": "Mobile apps",
        "description": "The Tallybook apps for iPhone, iPad and Android.",
    },
    {
        "slug": "integrations",
        "name": "Integrations & API",
        "description": "Slack, GitHub, Google Calendar, Jira, Zapier, Outlook, webhooks and the public API.",
    },
    {
        "slug": "notifications",
        "name": "Notifications & email",
        "description": "Push notifications, email alerts, digests and reminders.",
    },
    {
        "slug": "reporting",
        "name": "Reporting & dashboards",
        "description": "Charts, exports, workload and sprint reports.",
    },
    {
        "slug": "billing",
        "name": "Billing & accounts",
        "description": "Plans, seats, invoices, payment and account administration.",
    },
    {
        "slug": "web-app",
        "name": "Web app, speed & accessibility",
        "description": "Loading times, search, themes, keyboard use and screen reader support in the browser app.",
    },
]

MEMBER_NAMES = [
    "Priya Raman",
    "Tomasz Wójcik",
    "Hannah Becker",
    "Diego Fernández",
    "Aisha Okafor",
    "Liam O'Connor",
    "Mei Lin Chen",
    "Kenji Watanabe",
    "Sofia Rossi",
    "Olumide Adeyemi",
    "Emma Johansson",
    "Rafael Souza",
    "Fatima Zahra Benali",
    "Jakub Novák",
    "Chloe Martin",
    "Arjun Mehta",
    "Ingrid Solberg",
    "Mateo García",
    "Yuki Tanaka",
    "Noah Williams",
    "Amara Nwosu",
    "Lucas Dubois",
    "Zeynep Yılmaz",
    "Ethan Clarke",
    "Ana Petrović",
    "Samuel Mensah",
    "Lena Hoffmann",
    "Carlos Mendoza",
    "Aoife Murphy",
    "Dmitri Volkov",
    "Grace Kim",
    "Hamza Qureshi",
    "Isabella Costa",
    "Mikkel Andersen",
    "Nadia Haddad",
    "Oliver Bennett",
    "Paula Kowalczyk",
    "Ravi Shankar",
    "Sara Lindqvist",
    "Thabo Nkosi",
    "Valentina Moreno",
    "William Tran",
    "Xin Yi Wong",
    "Youssef Amrani",
    "Zoe Papadopoulos",
    "Ben Hartley",
    "Camille Laurent",
    "Daniel Levi",
    "Elif Demir",
    "Felix Schneider",
    "Gabriela Silva",
    "Henrik Virtanen",
    "Ines Carvalho",
    "Jamal Robinson",
    "Katarzyna Zielińska",
    "Luca Bianchi",
    "Marta Horvat",
    "Nikhil Joshi",
    "Rosa Jiménez",
    "Sean Gallagher",
]

POSTS = []

POSTS += [
    {
        "kind": "idea",
        "category": "web-app",
        "title": "Dark mode please",
        "body": "I work late a lot and the bright white board is brutal at night. A proper dark theme for the web app would be amazing.\n\n"
        "Bonus points if it follows the OS setting (`prefers-color-scheme`) so it switches automatically.",
        "comments": [
            "+1, I've been using a browser extension to invert colours but it makes everyone's avatars look creepy.",
            "Yes please. Our whole dev team lives in dark mode everywhere else.",
            "Would love this on mobile too, not just web.",
        ],
        "response": {
            "status": "planned",
            "body": "Dark mode is planned for the web app this quarter and will follow your system setting by default. The mobile apps will get it shortly after.",
        },
    },
    {
        "kind": "complaint",
        "category": "mobile",
        "title": "App crashes when uploading photos",
        "body": "Every time I try to attach a photo to a task from my phone the app just closes. No error message, it's simply gone.\n\n"
        "Phone: Pixel 7, Android 14, Tallybook 5.12.0. Happens with both the camera and the gallery. Attaching PDFs works fine.",
        "comments": [
            "Same on a Samsung S22. Started after the last update for me.",
            "Workaround: share the photo *to* Tallybook from the Gallery app instead of attaching it from inside the task. That works for me.",
            "Thanks, the share-sheet trick works. Still annoying though.",
        ],
        "response": {
            "status": "in_progress",
            "body": "We've reproduced this on Android 14: it's caused by a permission change in the new system photo picker. A fix is in testing and will ship in 5.12.2.",
        },
    },
    {
        "kind": "idea",
        "category": "tasks-projects",
        "title": "Recurring tasks (every Monday, monthly, etc.)",
        "body": "We have a bunch of chores that repeat: weekly status report, monthly invoice run, quarterly access review. Right now someone has to recreate them by hand and they get forgotten.\n\n"
        "What I'd like:\n\n"
        "- repeat daily / weekly / monthly / custom\n"
        "- next instance created when the current one is completed\n"
        "- keep the same assignee, checklist and labels",
        "comments": [
            "This is the one feature keeping our ops team on spreadsheets.",
            "Please make it possible to repeat on the last working day of the month.",
        ],
        "response": {
            "status": "done",
            "body": 'Recurring tasks shipped in release 2024.6! Open a task, click the **Repeat** icon next to the due date and pick a schedule. "Last working day of the month" is included.',
        },
    },
    {
        "kind": "complaint",
        "category": "notifications",
        "title": "Too many email notifications",
        "body": "I get an email for every single comment, every status change, every time someone moves a card. Yesterday it was 143 emails from Tallybook.\n\n"
        "I've started ignoring all of them, which means I miss the ones that actually matter.",
        "comments": [
            "You can turn some of them off under Settings > Notifications, but it's all or nothing per type.",
            "143 is rookie numbers, I hit 300 during our launch week :(",
            "A daily digest would fix this for me.",
        ],
        "response": {
            "status": "under_review",
            "body": "Thanks for the candid feedback. We're reviewing a redesign of notification settings, including per-project controls and a digest option.",
        },
    },
    {
        "kind": "idea",
        "category": "integrations",
        "title": "Two-way Google Calendar sync",
        "body": "The current Google Calendar integration only pushes due dates *into* the calendar. If I drag the event to another day in Calendar, Tallybook doesn't notice.\n\n"
        "I plan my whole week in Google Calendar, so two-way sync would save me a lot of double entry.",
        "comments": [
            "Same with Outlook, for what it's worth.",
            "+1. Would also be nice to get time blocks, not just all-day events.",
        ],
        "response": {
            "status": "planned",
            "body": "Two-way sync for Google Calendar is planned: moving an event will update the task's due date. Outlook will follow using the same design.",
        },
    },
    {
        "kind": "idea",
        "category": "reporting",
        "title": "Export reports to CSV",
        "body": "Our finance team wants the monthly workload report in a spreadsheet. Right now I take screenshots of the dashboard, which is a bit embarrassing.\n\n"
        "A simple **Export CSV** button on each report would do.",
        "comments": [
            "Please include custom fields in the export!",
            "In the meantime the `/v2/tasks` API endpoint can give you the raw data, but it's a lot of work.",
        ],
        "response": {
            "status": "done",
            "body": "Every report now has an **Export** menu with CSV and XLSX. Custom fields are included as extra columns.",
        },
    },
    {
        "kind": "complaint",
        "category": "billing",
        "title": "Charged after I cancelled my plan",
        "body": "I cancelled our Team plan on March 2nd (I have the confirmation email) and was still charged $96 on March 3rd. Support said they'd look into it, but that was a week ago.\n\n"
        "Pretty frustrating, to be honest.",
        "comments": [
            "Happened to us too in January. Got the refund eventually, took about 10 days.",
            "Did you cancel on the last day of the cycle? I think there's some kind of cutoff.",
        ],
        "response": {
            "status": "done",
            "body": "We found a bug where cancellations made on the last day of a billing cycle weren't applied in time. It's fixed, and everyone affected has been refunded automatically.",
        },
    },
    {
        "kind": "idea",
        "category": "mobile",
        "title": "Offline mode for the mobile app",
        "body": "I'm a site manager and half our buildings have no signal in the basement. The app just shows a spinner.\n\n"
        "Even read-only access to my assigned tasks would help. Ideally I could tick off checklist items and have them sync when I'm back online.",
        "comments": [
            "Same situation on trains here in the UK.",
            "Read-only offline would already be a huge step.",
            "How would it handle two people editing offline? Last write wins would be fine for us.",
        ],
        "response": {
            "status": "under_review",
            "body": "We're exploring offline support, starting with read-only access to your assigned tasks. Tell us which actions you'd need offline most.",
        },
    },
    {
        "kind": "complaint",
        "category": "web-app",
        "title": "Boards with 500+ cards take forever to load",
        "body": "Our support backlog board has about 650 cards. It takes 12-15 seconds to open in Chrome and scrolling stutters badly. Smaller boards are fine.\n\n"
        "Tried on two laptops (M1 MacBook Air and a Dell XPS), same result.",
        "comments": [
            "Archiving old cards helped us a bit, but we shouldn't have to.",
            "Same here, our QA board is around 900 cards and basically unusable.",
        ],
        "response": {
            "status": "in_progress",
            "body": "We're rewriting the board renderer so it only draws the cards you can see. In early tests a 1,000-card board opens in under 2 seconds.",
        },
    },
    {
        "kind": "idea",
        "category": "tasks-projects",
        "title": "Gantt chart view",
        "body": "We run construction-style projects with lots of dependencies. A Gantt view where I can see task bars on a timeline and drag them around would make Tallybook usable for our PMs, who are still on old desktop planning software.",
        "comments": [
            "Yes! With dependency arrows please.",
            "Critical path highlighting would be the dream.",
            "+1 from an events agency.",
        ],
        "response": {
            "status": "planned",
            "body": "A Timeline (Gantt) view is planned for the Business plan, with drag-to-reschedule and dependency arrows. Critical path won't be in the first version.",
        },
    },
    {
        "kind": "idea",
        "category": "integrations",
        "title": "Import from Jira",
        "body": "We're moving our product team off Jira. Is there any way to bring over our issues with their comments and attachments? Copying 2,000 tickets by hand isn't an option.",
        "comments": [
            "The CSV import kind of works but loses all comments.",
            "Epics would need to map to projects or sections for this to be useful for us.",
        ],
        "response": {
            "status": "in_progress",
            "body": "We're building a Jira importer that brings over issues, epics (as sections), comments and attachments. Beta invites go out next month.",
        },
    },
    {
        "kind": "complaint",
        "category": "notifications",
        "title": "Push notifications arrive hours late on iOS",
        "body": "Someone mentions me in a comment at 9am and the push notification shows up at lunchtime. The email arrives instantly, so it's not the mention itself.\n\n"
        "iPhone 13, iOS 17.4, Background App Refresh is on.",
        "comments": [
            "Same on my iPad.",
            "Are you in Low Power Mode? That delays them for me.",
        ],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "reporting",
        "title": "Burndown chart for sprints",
        "body": "We run two-week sprints in Tallybook. A burndown chart per sprint would help us see in standup whether we're on track.\n\n"
        "Based on story points if they're set, task count otherwise.",
        "comments": [
            "+1, we currently maintain this by hand in a spreadsheet.",
            "And a velocity chart across sprints, please.",
        ],
        "response": {
            "status": "planned",
            "body": "Sprint burndown is planned, using story points when present and task count otherwise. Velocity will come in a follow-up.",
        },
    },
    {
        "kind": "idea",
        "category": "billing",
        "title": "Guests shouldn't count as paid seats",
        "body": "We invite clients to follow progress on their project. Each client counts as a full seat, so we're paying for 14 people who only ever look at one board.\n\n"
        "Please add a free guest or viewer role.",
        "comments": [
            "This is why we moved our client updates to a shared PDF.",
            "Charging guests at a reduced rate would also be fair.",
        ],
        "response": {
            "status": "done",
            "body": "Good news: people invited with the **Viewer** role are now free on all paid plans and don't count toward your seat limit.",
        },
    },
    {
        "kind": "complaint",
        "category": "web-app",
        "title": "Screen reader doesn't announce task status",
        "body": "I use NVDA with Firefox. When I move focus to a task in list view, it reads the title but not the status, assignee or due date. I have to open every single task to find out whether it's done.",
        "comments": [
            "Thanks for raising this. JAWS has the same issue.",
            'The checkbox also has no accessible label, it just says "checkbox not checked".',
        ],
        "response": {
            "status": "in_progress",
            "body": "We're adding proper labels to list rows so status, assignee and due date are announced. The unlabelled checkbox is part of the same fix.",
        },
    },
    {
        "kind": "idea",
        "category": "tasks-projects",
        "title": "Built-in time tracking",
        "body": "We bill clients by the hour. Right now we track time in a separate app and copy it over every Friday.\n\n"
        "A simple start/stop timer on each task, plus manual entries, would let us drop that extra tool.",
        "comments": [
            "We'd need a report of hours per project per month for invoicing.",
            "Please make it optional, not everyone wants to feel tracked.",
        ],
        "response": {
            "status": "under_review",
            "body": "We're looking into lightweight time tracking (timer plus manual entries). It would be opt-in per project.",
        },
    },
    {
        "kind": "complaint",
        "category": "integrations",
        "title": "Slack integration posts every message twice",
        "body": "Since last Tuesday every update from Tallybook shows up twice in our `#proj-website` channel. I removed and re-added the integration, no change.",
        "comments": [
            "Same here, three channels affected.",
            "Ours posts three times now.",
        ],
        "response": {
            "status": "done",
            "body": "This was a retry bug on our side after Slack API timeouts. It was fixed on May 14, so duplicates should have stopped.",
        },
    },
    {
        "kind": "idea",
        "category": "mobile",
        "title": "Home screen widget for today's tasks",
        "body": "On Android I'd love a widget that shows my tasks due today, with a checkbox to complete them. Opening the app just to see my list feels like overkill.",
        "comments": [
            "iOS widget as well please!",
            "A lock screen widget on iOS would be cool too.",
        ],
        "response": None,
    },
    {
        "kind": "complaint",
        "category": "billing",
        "title": "Invoices don't show our VAT number",
        "body": "We're a German company and our accountant rejects the Tallybook invoices because our VAT ID isn't on them. There's no field for it in the billing settings as far as I can see.\n\n"
        "This is a legal requirement for B2B invoices in the EU.",
        "comments": [
            "Same for us in the Netherlands. I ask support to reissue invoices manually every month.",
            "We also need the full company address, not just the card holder's name.",
        ],
        "response": {
            "status": "planned",
            "body": "Adding a tax ID and full billing address to invoices is planned for next month. Once it's live you'll be able to regenerate past invoices too.",
        },
    },
    {
        "kind": "idea",
        "category": "notifications",
        "title": "Quiet hours for notifications",
        "body": "My team is spread across four time zones. I'd like to set quiet hours (say 20:00-08:00) when Tallybook doesn't send me push notifications. Things can wait until morning.",
        "comments": [
            "Yes, and respect the weekend please.",
            "You can use your phone's focus mode, but then other apps are silenced too.",
        ],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "reporting",
        "title": "Workload view per team member",
        "body": "As a team lead I need to see who is overloaded next week. A view showing each person's tasks by due date, with a count or estimated hours, would help me rebalance before things slip.",
        "comments": [
            "Estimated hours would need time estimates on tasks first.",
            "Please let me filter it by project.",
        ],
        "response": {
            "status": "in_progress",
            "body": "The Workload view is in development. It shows tasks or estimated hours per person per week, with filters for project and label.",
        },
    },
    {
        "kind": "complaint",
        "category": "web-app",
        "title": "Search doesn't find words inside comments",
        "body": "I know someone wrote down the server password rotation steps in a comment somewhere. Searching for `rotation` finds nothing. Apparently search only looks at titles and descriptions?\n\n"
        "Comments are where half our team's knowledge lives.",
        "comments": [
            "It doesn't search attachment names either.",
            "I was convinced search was just broken, good to know it's by design.",
        ],
        "response": {
            "status": "under_review",
            "body": "You're right, search currently covers titles and descriptions only. We're evaluating adding comments and attachment names to the index.",
        },
    },
    {
        "kind": "idea",
        "category": "integrations",
        "title": "Create tasks automatically from GitHub issues",
        "body": "We'd like new GitHub issues labelled `customer` to create a Tallybook task in our support project, and to close the task when the issue is closed.",
        "comments": [
            "You can do this with Zapier today, but it costs extra.",
            "Linking pull requests to tasks would be great too.",
        ],
        "response": None,
    },
    {
        "kind": "complaint",
        "category": "tasks-projects",
        "title": "Drag and drop drops the card in the wrong position",
        "body": "On the board view, when I drag a card into a column that's scrolled down, it lands in the wrong place (usually at the top). Happens in both Chrome and Edge.\n\n"
        "Steps:\n\n"
        "1. Open a column with 30+ cards\n"
        "2. Scroll it down\n"
        "3. Drag a card from another column into the middle\n"
        "4. It ends up at the top",
        "comments": ["Confirmed, same in Firefox."],
        "response": {
            "status": "done",
            "body": "Fixed in today's release: the drop position is now calculated correctly for scrolled columns. Thanks for the clear steps!",
        },
    },
    {
        "kind": "idea",
        "category": "billing",
        "title": "Annual billing option with a discount",
        "body": "We'd happily pay a year upfront if there were a discount. Our procurement process also prefers one invoice a year rather than twelve.",
        "comments": ["+1, monthly invoices are a pain for our finance team."],
        "response": {
            "status": "done",
            "body": "Annual billing is available now: go to **Settings > Billing > Change plan** and choose yearly to get two months free.",
        },
    },
]

POSTS += [
    {
        "kind": "idea",
        "category": "web-app",
        "title": "Night theme for the web app",
        "body": "Could we get a darker colour scheme for the browser version? I have Tallybook open on my second monitor all day and in the evening the white background lights up the whole room.\n\n"
        "Even a simple toggle in the profile menu would be enough for me.",
        "comments": [
            "Isn't this the same as the dark mode request? Either way, +1.",
            "High contrast dark please, not grey on slightly darker grey.",
        ],
        "response": None,
    },
    {
        "kind": "complaint",
        "category": "mobile",
        "title": "Android app closes on image attach",
        "body": "Tap the paperclip, choose Image, pick a picture, and the app shuts down instantly. I lose whatever comment I was typing, too.\n\n"
        "OnePlus 11, latest version from the Play Store. Cleared the cache and reinstalled, didn't help.",
        "comments": [
            "Same thing on my Galaxy Tab. Really hurts for our field reports.",
            "Please also save comment drafts so a crash doesn't eat my text.",
        ],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "tasks-projects",
        "title": "Let tasks repeat on a schedule",
        "body": 'I\'d love to set a task like "Water the office plants" or "Back up the NAS" to come back every week automatically, instead of copying it each time.',
        "comments": [
            "This exists now! It's the little loop icon next to the due date.",
            "Oh nice, missed that. Thanks!",
        ],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "notifications",
        "title": "Daily digest instead of one email per event",
        "body": "Please give me one summary email each morning with everything that happened in my projects yesterday: new tasks assigned to me, mentions, status changes.\n\n"
        "Urgent things (mentions, tasks due today) could still come instantly if I choose.",
        "comments": [
            "Weekly digest option too, for projects I only follow loosely.",
            "Let me pick the time. 7:00 in my time zone, not the server's.",
            "This plus quiet hours would be perfect.",
        ],
        "response": {
            "status": "planned",
            "body": "A daily (and weekly) digest is planned as part of the notification settings redesign. You'll choose the delivery time in your own time zone.",
        },
    },
    {
        "kind": "complaint",
        "category": "integrations",
        "title": "Changes in Google Calendar don't come back to Tallybook",
        "body": "I moved a deadline in Google Calendar from Thursday to Monday, and the task in Tallybook still says Thursday. So the calendar and the board now disagree and my team looks at the board.\n\n"
        "Is the sync only one way? That isn't clear anywhere in the setup screen.",
        "comments": [
            "Yes, it's one-way only, learned that the hard way.",
            "The setup page should at least say so.",
        ],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "reporting",
        "title": "Download the dashboard as an Excel file",
        "body": "My director wants the numbers from the project dashboard in Excel so she can combine them with budget data. Could you add an XLSX download?",
        "comments": ["CSV would be fine too, Excel opens it."],
        "response": {
            "status": "done",
            "body": "You can now export any dashboard widget or report as XLSX or CSV from the **...** menu in its corner.",
        },
    },
    {
        "kind": "complaint",
        "category": "billing",
        "title": "Billed again even though we downgraded to Free",
        "body": 'We moved our workspace to the Free plan at the end of last month. Today our card was charged for 8 seats again. The billing page shows "Free" as our current plan.\n\n'
        "Please refund this and fix whatever is going on.",
        "comments": [
            "Sounds like the same cancellation bug others reported.",
            "Check whether you have a second workspace, that got me once.",
        ],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "tasks-projects",
        "title": "Subtasks need their own due dates",
        "body": "Subtasks are just checklist lines right now. For bigger tasks I need each subtask to have its own due date and assignee, otherwise I end up creating separate tasks and linking them manually.",
        "comments": [
            "And show subtasks in My Tasks for the person they're assigned to.",
            "Yes, this is the main thing we miss coming from other tools.",
        ],
        "response": {
            "status": "planned",
            "body": "Subtasks with their own assignee and due date are planned. They'll appear in the assignee's **My Tasks** like regular tasks.",
        },
    },
    {
        "kind": "idea",
        "category": "web-app",
        "title": "Keyboard shortcuts for moving cards between columns",
        "body": 'I use the keyboard for almost everything. It would be great to select a card and press something like `Shift+→` to move it to the next column, or `M` to open a "move to" menu.\n\n'
        "Also a `?` overlay listing all shortcuts.",
        "comments": [
            "This would also help people who can't use a mouse easily.",
            "The `?` overlay is a must, I never remember shortcuts.",
        ],
        "response": {
            "status": "under_review",
            "body": "We like this one, especially for keyboard-only users. We're reviewing a full shortcut set for the board together with the `?` help overlay.",
        },
    },
    {
        "kind": "complaint",
        "category": "web-app",
        "title": "502 errors all morning, couldn't open any project",
        "body": 'From about 08:30 to 10:15 CET every project page returned **502 Bad Gateway**. The status page said "All systems operational" the whole time, which honestly made it worse.',
        "comments": [
            "Same here in Madrid.",
            "Worked for me on mobile but not in the browser, weirdly.",
            "Please update the status page faster next time.",
        ],
        "response": {
            "status": "done",
            "body": "Sorry about this. A faulty load balancer config caused the errors; it was rolled back at 10:14 CET. We've also connected the status page to automatic monitoring so it updates within minutes.",
        },
    },
    {
        "kind": "idea",
        "category": "integrations",
        "title": "Zapier trigger when a task moves to a column",
        "body": 'The Zapier app only has "New task" and "Task completed" triggers. I\'d like to trigger a Zap when a task enters a specific column, e.g. send an email to the client when a card reaches **Ready for review**.',
        "comments": ["Also a trigger for when a custom field changes, please."],
        "response": {
            "status": "done",
            "body": "The Zapier app now has a **Task moved to column** trigger, and a **Custom field changed** trigger as well.",
        },
    },
    {
        "kind": "idea",
        "category": "billing",
        "title": "Pay by bank transfer instead of credit card",
        "body": "Our company doesn't give out credit cards to team leads. Could we pay by bank transfer against an invoice? We're a 20-person team on the Business plan.",
        "comments": [
            "Same problem in a lot of public sector organisations.",
            "We ended up using a personal card and expensing it, not ideal.",
        ],
        "response": {
            "status": "declined",
            "body": "We don't plan to offer bank transfer for self-serve plans, because manual payment matching doesn't scale for us. Teams with 50+ seats can move to Enterprise, which is invoiced.",
        },
    },
    {
        "kind": "complaint",
        "category": "mobile",
        "title": "iPad app doesn't rotate to landscape",
        "body": "The iPad app is stuck in portrait mode. With a keyboard case that means I have to turn my head sideways or use Safari instead. It's 2024, landscape should just work.",
        "comments": [
            "Split View doesn't work either.",
            "I use the web app on iPad for this reason.",
        ],
        "response": {
            "status": "in_progress",
            "body": "Landscape and Split View support for iPad is being built right now and will be in a TestFlight build soon.",
        },
    },
    {
        "kind": "idea",
        "category": "reporting",
        "title": "Custom dashboards with saved filters",
        "body": "The default dashboard shows all projects. I'd like to build my own with a few widgets (overdue tasks for my team, tasks completed this week, open bugs by label) and share it with the team.",
        "comments": [
            "Being able to set a dashboard as the team's home page would be great.",
            "+1 for sharing dashboards.",
        ],
        "response": {
            "status": "under_review",
            "body": "We're reviewing custom dashboards. Which widgets would you need first? Replies here help us decide.",
        },
    },
    {
        "kind": "idea",
        "category": "notifications",
        "title": "Remind me before a task is due",
        "body": "I'd like a reminder the day before (or an hour before) a task's due date. Right now I only hear about it once it's already overdue.",
        "comments": ["Configurable per task would be ideal, but a global default is fine."],
        "response": {
            "status": "done",
            "body": "Due-date reminders are live: set your default under **Settings > Notifications > Reminders**, or set one per task from the due date picker.",
        },
    },
    {
        "kind": "complaint",
        "category": "web-app",
        "title": "Page jumps to the top after posting a comment",
        "body": "On long tasks with lots of comments, every time I post a comment the page scrolls all the way to the top. Then I have to scroll back down to see what I just wrote.",
        "comments": ["Same, Firefox 125 on Windows."],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "tasks-projects",
        "title": "Task templates for onboarding checklists",
        "body": "Every time we hire someone I create the same 25 onboarding tasks: laptop, accounts, buddy, first-week meetings. I'd like to save these as a template and create them all at once with the new person's name and start date.",
        "comments": [
            "Relative due dates (start date + 3 days) would be key.",
            "We use project duplication for this right now, but it copies old comments too.",
        ],
        "response": {
            "status": "done",
            "body": "Project and task templates are here, with due dates relative to a start date. Find them under **New > From template**.",
        },
    },
    {
        "kind": "idea",
        "category": "integrations",
        "title": "Outlook add-in to turn emails into tasks",
        "body": "Half my work arrives by email. An Outlook add-in where I click **Create task**, pick a project, and the email body and attachments get copied over would save me so much time.",
        "comments": [
            "You can forward emails to your project address in the meantime. It's under project settings.",
            "The forwarding address works, but it loses the attachments for me.",
        ],
        "response": {
            "status": "planned",
            "body": "An Outlook add-in is planned for later this year. We'll also fix attachments being dropped from forwarded emails before then.",
        },
    },
    {
        "kind": "complaint",
        "category": "billing",
        "title": "Price increase with only two weeks notice",
        "body": "We got an email on the 15th saying our per-seat price goes from $8 to $11 on the 1st. That's a 37% increase with two weeks notice, and our budget for the year is already set.\n\n"
        "I understand prices change, but this isn't how you treat long-time customers.",
        "comments": [
            "Agreed. At least grandfather existing customers for a few months.",
            "If you switch to annual billing before the 1st you lock in the old price, for what it's worth.",
        ],
        "response": {
            "status": "declined",
            "body": "We hear you, and we're sorry the notice felt short. The new prices will stay, but any workspace created before March keeps its current price until its next renewal after June 30.",
        },
    },
    {
        "kind": "idea",
        "category": "mobile",
        "title": "Face ID lock for the mobile app",
        "body": "Our client projects contain sensitive info. I'd like the app to require Face ID or a fingerprint when it opens, like my banking app does.",
        "comments": ["An admin setting to enforce it for the whole workspace would be needed for us."],
        "response": {
            "status": "declined",
            "body": "We've decided not to add a separate app lock for now, since the device lock already protects the app. Enterprise admins can enforce short session timeouts instead.",
        },
    },
    {
        "kind": "complaint",
        "category": "web-app",
        "title": "Board layout breaks at 200% browser zoom",
        "body": "I have low vision and use the browser at 200% zoom. At that size the board columns overlap, the **Add card** button disappears behind the sidebar and I can't collapse the sidebar.\n\n"
        "The list view works, but the board is unusable.",
        "comments": [
            "Same at 175% on a small laptop screen.",
            "Thank you for raising this, I thought it was just me.",
        ],
        "response": {
            "status": "in_progress",
            "body": "We're fixing the board layout so it reflows correctly up to 400% zoom, and the sidebar will collapse automatically on narrow screens.",
        },
    },
    {
        "kind": "idea",
        "category": "reporting",
        "title": "Report: how long cards sit in each column",
        "body": "I'd like to know where work gets stuck. A report showing the average time tasks spend in each column (e.g. 0.5 days in Doing, 4 days in Review) would show us our bottlenecks.",
        "comments": [
            "Cycle time and lead time charts would cover this.",
            "Yes, our code review column is definitely the bottleneck, I'd love data to prove it.",
        ],
        "response": None,
    },
    {
        "kind": "complaint",
        "category": "notifications",
        "title": "Notification emails land in spam",
        "body": "Several people on our team (we use Outlook with our own domain) never saw their Tallybook emails. Turns out they all went to Junk. Our IT says the emails fail the DMARC check.",
        "comments": ["Gmail marks some of them as spam for us too."],
        "response": {
            "status": "done",
            "body": "Thanks for the report. One of our sending services wasn't DKIM-signing with our domain. That's fixed and all notification emails now pass DMARC.",
        },
    },
    {
        "kind": "idea",
        "category": "tasks-projects",
        "title": "Timeline view with dependencies between tasks",
        "body": 'I need to see tasks on a calendar-like timeline with arrows for "this can\'t start until that finishes". When one task slips, the dependent ones should move too (or at least warn me).',
        "comments": [
            "Same as the Gantt request, I think. Both please!",
            "Auto-shifting dependent tasks should be optional.",
        ],
        "response": None,
    },
    {
        "kind": "complaint",
        "category": "integrations",
        "title": "API rate limit is too low for our nightly sync",
        "body": "We sync about 5,000 tasks every night with our ERP. At 120 requests per minute that takes over 40 minutes and often hits `429 Too Many Requests`.\n\n"
        "Could you raise the limit for paid plans, or add a bulk endpoint?",
        "comments": [
            "Use `If-Modified-Since` and only sync changed tasks, that cut our calls by 90%.",
            "A webhook for changes would be better than polling anyway.",
        ],
        "response": {
            "status": "declined",
            "body": "We're keeping the 120 requests/minute limit, but the new batch endpoint `POST /v2/tasks/batch` updates up to 100 tasks per call, which should cover your sync.",
        },
    },
]

POSTS += [
    {
        "kind": "complaint",
        "category": "mobile",
        "title": "Attaching a picture from the gallery kills the app",
        "body": "Android user here. Whenever I pick a picture from the gallery to add to a task, Tallybook crashes back to the home screen.\n\n"
        "It used to work last month. I'm on a Xiaomi Redmi Note 12.",
        "comments": [
            "Known issue, see the other thread about photo uploads. Sharing from the Gallery app works as a workaround.",
        ],
        "response": None,
    },
    {
        "kind": "complaint",
        "category": "notifications",
        "title": "iPhone notifications are delayed by hours",
        "body": "Push notifications on my iPhone come in batches, sometimes 2-3 hours after the event. By then I've already seen it on my laptop. What's the point of push if it isn't timely?",
        "comments": [
            "Same here, iPhone 15 Pro.",
            "Toggling notifications off and on in iOS settings fixed it for me for about a week.",
            "Android is fine for me, so it seems iOS specific.",
        ],
        "response": {
            "status": "under_review",
            "body": "We're investigating delayed push delivery on iOS. If you're affected, please send your app version and the approximate time of a late notification to support so we can trace it.",
        },
    },
    {
        "kind": "idea",
        "category": "billing",
        "title": "Free read-only access for our clients",
        "body": "We're an agency and want clients to see their project board without being able to edit anything. Paying a full seat per client doesn't make sense for us. Is a free read-only role possible?",
        "comments": [
            "This already exists: invite them as **Viewer**, they're free now.",
            "Oh, I didn't see that. Great!",
        ],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "integrations",
        "title": "Migration tool for Jira projects",
        "body": "We'd love to switch to Tallybook but have 4 years of history in Jira. A tool that moves over projects, issues, comments and users would be the deciding factor for us.",
        "comments": ["Keeping the Jira issue keys somewhere (as a custom field?) would help with old links."],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "notifications",
        "title": "Do not disturb on weekends",
        "body": "I'd like an option to pause all Tallybook push notifications from Friday evening to Monday morning. Some colleagues work weekends and I don't want to be pinged about their updates.",
        "comments": [
            "Make it a workspace default so admins can set it for everyone.",
            "Per-day schedule please, our weekend is Friday and Saturday.",
        ],
        "response": {
            "status": "planned",
            "body": "Quiet hours with a per-day schedule (so any weekend works) are planned as part of the notification settings redesign.",
        },
    },
    {
        "kind": "idea",
        "category": "reporting",
        "title": "Sprint velocity and burndown reports",
        "body": "We'd like to stop exporting sprint data to a spreadsheet every two weeks. Two charts would cover 90% of what we need:\n\n"
        "- burndown within the current sprint\n"
        "- velocity over the last 6 sprints",
        "comments": ["Please support story points as a field, not just task counts."],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "tasks-projects",
        "title": "Let us log hours against tasks",
        "body": "We need to know how many hours go into each client project. A field where people can log hours against a task (with date and a note) would be enough, no fancy timer required.",
        "comments": [
            "The Harvest-style timer would be nice but manual entry is the key part.",
            "We'd need an export of the logged hours per month too.",
        ],
        "response": None,
    },
    {
        "kind": "complaint",
        "category": "integrations",
        "title": "Duplicate messages in our Slack channel",
        "body": "Each task update arrives in Slack two times, sometimes a few seconds apart. Our team has muted the channel because of it.",
        "comments": [
            "This should be fixed since May 14, see the other thread.",
            "Confirmed, no duplicates for us since then.",
        ],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "mobile",
        "title": "Let me view and edit tasks without signal",
        "body": "I travel a lot and on planes the app is useless. Please cache my projects locally so I can read and update tasks without internet, then sync when I land.",
        "comments": ["Yes, I'd use flight time to tidy up my backlog if I could."],
        "response": None,
    },
    {
        "kind": "complaint",
        "category": "web-app",
        "title": "Large projects are painfully slow",
        "body": "Our biggest project has around 1,200 tasks. Opening it, switching views or even typing in the filter box lags for several seconds. Small projects are snappy.\n\n"
        "I'm on a recent MacBook Pro with 32 GB RAM, so it's not my machine.",
        "comments": [
            "Same. We split projects just to keep them usable.",
            "List view is faster than board view for us, if that helps.",
        ],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "tasks-projects",
        "title": "Allow assigning subtasks to different people",
        "body": 'A task like "Launch newsletter" has parts done by design, copy and dev. I\'d like to assign each subtask to a different person with its own deadline, while keeping them grouped under the parent task.',
        "comments": ["And the parent should show progress, like 3/5 subtasks done."],
        "response": None,
    },
    {
        "kind": "complaint",
        "category": "billing",
        "title": "No way to add our company tax ID to invoices",
        "body": "I've searched all the billing settings and there's nowhere to put our tax ID. Our invoices only show my name and the last 4 digits of the card. Our finance department can't book them like this.",
        "comments": ["Workaround: email support and they'll reissue the invoice by hand. Slow, but it works."],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "web-app",
        "title": "Add a dark theme, my eyes hurt at 11pm",
        "body": "Late night planning sessions + a bright white app = headache. A dark theme please. That's it, that's the post.",
        "comments": ["Ha, short and sweet. +1"],
        "response": None,
    },
    {
        "kind": "complaint",
        "category": "web-app",
        "title": 'VoiceOver reads board cards as "button button button"',
        "body": "Using Safari with VoiceOver on a Mac, the board view is impossible to navigate. Each card is announced as a series of unlabeled buttons. I can't tell which card I'm on or what its status is.\n\n"
        "I'm a blind project coordinator, and right now I depend on a colleague to read the board for me.",
        "comments": [
            "This should be a priority. Accessibility isn't optional.",
            "Similar issue with TalkBack in the Android app.",
        ],
        "response": {
            "status": "under_review",
            "body": "Thank you for telling us, and we're sorry. We're auditing the board view with VoiceOver and NVDA now and will post a plan here within two weeks.",
        },
    },
    {
        "kind": "idea",
        "category": "integrations",
        "title": "Sync due dates both ways with GCal",
        "body": "If I reschedule something in Google Calendar, please update the due date in Tallybook. One-way sync means my calendar is always out of date with the board.",
        "comments": [],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "tasks-projects",
        "title": "Custom fields: dropdown, number and date",
        "body": "We track things like client name, budget and launch date on tasks. Right now we cram it all into the title like `[ACME] [$5k] Homepage redesign`. Custom fields with a few types would clean this up a lot.",
        "comments": [
            "And make them filterable and sortable.",
            "Please allow multi-select dropdowns too.",
        ],
        "response": {
            "status": "done",
            "body": "Custom fields (text, number, date, dropdown and multi-select) are now available on Team and Business plans, and you can filter and sort by them.",
        },
    },
    {
        "kind": "complaint",
        "category": "mobile",
        "title": "Can't log in with SSO on the Android app",
        "body": "Our workspace uses Okta SSO. On Android, tapping **Sign in with SSO** opens the browser, I log in, and then it just stays on a blank page. It never goes back to the app.\n\n"
        "iOS works fine.",
        "comments": [
            "Same with Azure AD.",
            "Changing the default browser to Chrome fixed it for me (was using Firefox).",
        ],
        "response": {
            "status": "in_progress",
            "body": "We found that the redirect back to the app fails in some non-Chrome browsers. A fix is in progress; in the meantime Chrome as default browser works.",
        },
    },
    {
        "kind": "idea",
        "category": "reporting",
        "title": "Show overdue tasks per project on the dashboard",
        "body": "The dashboard shows total open tasks per project, but what I really need to know is how many are overdue. A red number next to each project would tell me where to look first.",
        "comments": ["And overdue per assignee, please."],
        "response": None,
    },
    {
        "kind": "complaint",
        "category": "notifications",
        "title": "Mentions in comments don't notify anyone",
        "body": "Since this morning, when I `@mention` someone in a comment, they don't get any notification, not in the app and not by email. The mention is highlighted correctly in the comment, though.",
        "comments": [
            "Same for us, three people confirmed.",
            "Mentions in the task description still work.",
        ],
        "response": {
            "status": "done",
            "body": "A change deployed this morning broke mention notifications in comments. It's been fixed, and the missed notifications were sent out at 14:20 UTC.",
        },
    },
    {
        "kind": "idea",
        "category": "billing",
        "title": "Let admins see who actually uses their seat",
        "body": "We pay for 40 seats and I suspect a third of them haven't logged in for months. Please show the last active date per member in the admin panel so I can clean up.",
        "comments": [
            "A CSV export of members with last login would be enough.",
            "Auto-deactivating inactive members after X days would be even better.",
        ],
        "response": {
            "status": "under_review",
            "body": "We're reviewing adding \"last active\" to the members list, plus a CSV export. Auto-deactivation needs more thought, so that one's on hold.",
        },
    },
    {
        "kind": "complaint",
        "category": "web-app",
        "title": "Bring back the old task editor",
        "body": "The new task editor takes twice as many clicks. The description field is hidden behind a button, labels moved into a menu, and the whole thing opens in a side panel that's too narrow to read.\n\n"
        "Please give us a way to switch back.",
        "comments": [
            "Agree about the narrow panel. Let us make it wider at least.",
            "I actually like the new one, it's much faster once you learn the keyboard shortcuts.",
            "Double-click the panel edge to expand it to full width.",
        ],
        "response": {
            "status": "declined",
            "body": "We won't be bringing the old editor back, as keeping two editors isn't sustainable. We have made the side panel resizable, and the description is now expanded by default.",
        },
    },
    {
        "kind": "idea",
        "category": "tasks-projects",
        "title": "Archive completed tasks automatically after 30 days",
        "body": "Our Done column grows forever and makes the board slow. An option to auto-archive tasks 30 (or X) days after they're completed would keep things tidy.",
        "comments": ["Archived tasks must still be searchable, though."],
        "response": {
            "status": "planned",
            "body": "Auto-archive is planned as a per-project setting. Archived tasks stay searchable and can be restored anytime.",
        },
    },
    {
        "kind": "idea",
        "category": "integrations",
        "title": "Webhooks for task updates",
        "body": "Polling the API every minute is wasteful. Please send webhooks when tasks are created, updated, moved or completed, with the changed fields in the payload.",
        "comments": ["Signed payloads (HMAC) please, so we can verify them."],
        "response": {
            "status": "done",
            "body": "Webhooks are available under **Settings > Developers**. Payloads are signed with HMAC-SHA256; see the docs for the event list.",
        },
    },
    {
        "kind": "complaint",
        "category": "mobile",
        "title": "Android app drains my battery",
        "body": "Since updating to 5.11, Tallybook is at the top of my battery usage list: 18% yesterday, and I barely opened it. It seems to be doing something in the background all the time.",
        "comments": [
            "Same on a Pixel 8, about 12% for me.",
            "Restricting background usage in Android settings helps, but then notifications are delayed.",
        ],
        "response": {
            "status": "under_review",
            "body": "We're looking into higher background battery use since 5.11. A battery usage screenshot sent to support would really help us narrow it down.",
        },
    },
    {
        "kind": "idea",
        "category": "reporting",
        "title": "Chart of completed tasks per week",
        "body": "Simple request: a bar chart of how many tasks the team completed each week. It's a nice morale boost in our Friday meeting and helps spot slow weeks.",
        "comments": ["Split by person would be nice but optional."],
        "response": None,
    },
]

POSTS += [
    {
        "kind": "idea",
        "category": "tasks-projects",
        "title": "Bulk edit multiple tasks at once",
        "body": "When someone leaves the team I have to reassign 60 tasks one by one. Please let me select several tasks (shift-click or checkboxes) and change the assignee, due date, label or column for all of them in one go.",
        "comments": [
            "Bulk move to another project too.",
            "This would save me an hour every sprint planning.",
        ],
        "response": {
            "status": "done",
            "body": "Bulk editing is live in list and board views: select tasks with checkboxes or `Shift`+click, then use the action bar at the bottom.",
        },
    },
    {
        "kind": "complaint",
        "category": "web-app",
        "title": "Keeps logging me out every few hours",
        "body": "I get kicked out of the web app 3-4 times a day and have to log in again, sometimes in the middle of writing a long comment (which is then lost).\n\n"
        '"Remember me" is ticked. Chrome, Windows 11, no extensions that clear cookies.',
        "comments": [
            "Same here since last week's update.",
            "Losing a half-written comment is the worst part.",
        ],
        "response": {
            "status": "in_progress",
            "body": "We shortened session lifetimes by mistake in last week's release. A fix restoring 30-day sessions is rolling out, and comment drafts will be kept locally as well.",
        },
    },
    {
        "kind": "idea",
        "category": "tasks-projects",
        "title": "Support Markdown in task descriptions",
        "body": "Descriptions are plain text, so our engineers paste logs and commands that end up as an unreadable wall. Basic Markdown would help a lot:\n\n"
        "- headings\n"
        "- bullet lists\n"
        "- `inline code` and code blocks\n"
        "- links",
        "comments": ["Tables would be nice too, but not essential."],
        "response": {
            "status": "done",
            "body": "Descriptions and comments now support Markdown, including code blocks with syntax highlighting and simple tables.",
        },
    },
    {
        "kind": "idea",
        "category": "mobile",
        "title": "Add tasks by voice with Siri",
        "body": "When I'm driving I think of things I need to do. I'd love to say \"Hey Siri, add a task to Tallybook: call the landlord tomorrow\" and have it land in my inbox.",
        "comments": ["Google Assistant too, please."],
        "response": {
            "status": "declined",
            "body": "We're not planning voice assistant integrations right now. As a workaround, the Tallybook Shortcuts action on iOS can be triggered by Siri with a phrase you choose.",
        },
    },
    {
        "kind": "complaint",
        "category": "billing",
        "title": "Can't change the credit card on file",
        "body": 'Our company card expired and I\'m trying to add the new one. The **Update payment method** button spins and then shows "Something went wrong". Tried Chrome and Safari.\n\n'
        "We'll get suspended if the next payment fails, so this is urgent for us.",
        "comments": [
            "Same problem. Support updated it for me over email.",
            "Disabling my ad blocker fixed it, the payment form loads a script it was blocking.",
        ],
        "response": {
            "status": "in_progress",
            "body": "We're moving to a new payment form that isn't affected by ad blockers. Until it ships, pausing your ad blocker on the billing page works, and no workspace will be suspended while this is open.",
        },
    },
    {
        "kind": "idea",
        "category": "notifications",
        "title": "Unfollow a single task so I stop getting updates",
        "body": "I commented once on a busy task and now I get notified about every change on it forever. Please add an **Unfollow** button per task.",
        "comments": [
            "And don't auto-follow a task just because I commented.",
            "Simple fix with big impact, +1.",
        ],
        "response": {
            "status": "planned",
            "body": "An Unfollow button, plus a setting to stop auto-following tasks you comment on, is planned for the next notification update.",
        },
    },
    {
        "kind": "idea",
        "category": "reporting",
        "title": "Public link to a read-only dashboard",
        "body": "Our board of directors wants to see project status but won't create accounts. Could I generate a secret link to a dashboard that anyone with the link can view?",
        "comments": ["A password on the link would make our security team happier."],
        "response": {
            "status": "declined",
            "body": "We've decided against public links for dashboards because of the data exposure risk. Free Viewer accounts are the recommended way to share, and scheduled PDF reports are on our roadmap.",
        },
    },
    {
        "kind": "complaint",
        "category": "integrations",
        "title": "GitHub integration stopped linking commits",
        "body": "We mention task IDs in commit messages like `TL-482 fix login redirect`, and it used to show the commit on the task. Since about two weeks ago nothing appears anymore. The integration still shows as connected.",
        "comments": [
            "Same for us. PR links still work, only commits are missing.",
            "Reconnecting the GitHub app didn't help.",
        ],
        "response": {
            "status": "in_progress",
            "body": "We found that commits pushed to non-default branches stopped being processed after a webhook change. A fix is in progress and we'll backfill the missing links.",
        },
    },
    {
        "kind": "idea",
        "category": "web-app",
        "title": "Open a task in a new browser tab with middle-click",
        "body": "Tasks open in a side panel and middle-click does nothing. I often want to compare two tasks side by side in separate tabs. Please make task cards real links.",
        "comments": ["Ctrl+click as well please."],
        "response": None,
    },
    {
        "kind": "complaint",
        "category": "tasks-projects",
        "title": "Due dates shift by one day for colleagues in other time zones",
        "body": "I'm in Sydney and set a task due on Friday. My colleague in Berlin sees it due on Thursday. For a date-only due date this makes no sense, a date is a date.",
        "comments": [
            "Same between New York and Tokyo. We've had missed deadlines because of it.",
            "Workaround: add a due time of 12:00, then it shows the same date for us.",
        ],
        "response": {
            "status": "in_progress",
            "body": "You're right: date-only due dates are being stored as midnight in the creator's time zone. We're migrating them to true dates, so everyone will see the same day.",
        },
    },
    {
        "kind": "idea",
        "category": "mobile",
        "title": "Proper tablet layout for the Android app",
        "body": "On my Android tablet the app is just the phone layout stretched out, with huge empty margins. A two-pane layout (list on the left, task on the right) would make it much nicer to use.",
        "comments": ["Same on Chromebooks running the Android app."],
        "response": None,
    },
    {
        "kind": "complaint",
        "category": "notifications",
        "title": "Reminder emails for tasks that are already done",
        "body": 'I keep getting "Task due tomorrow" reminders for tasks I completed days ago. Looks like the reminder isn\'t cancelled when a task is closed.',
        "comments": ["Happens to me when the task is completed from the mobile app."],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "billing",
        "title": "Discount for nonprofits",
        "body": "We're a small charity (12 volunteers) and Tallybook has been great on the free plan, but we've hit the project limit. Is there a nonprofit discount? The Team plan is a stretch for our budget.",
        "comments": ["Education discount would be great too."],
        "response": {
            "status": "done",
            "body": "Registered nonprofits get 50% off Team and Business plans. Apply from **Settings > Billing > Nonprofit discount** with proof of registration.",
        },
    },
    {
        "kind": "idea",
        "category": "integrations",
        "title": "Keep Jira and Tallybook in sync for shared projects",
        "body": "Our engineers will stay in Jira but the rest of the company uses Tallybook. A continuous two-way sync between a Jira project and a Tallybook project would let both sides see the same work.",
        "comments": [
            "Status mapping would be the hard part.",
            "We tried doing this with Zapier and it created loops. Please do it properly.",
        ],
        "response": {
            "status": "declined",
            "body": "We're not going to build a continuous two-way Jira sync: the mapping problems make it unreliable. We're focusing on the one-time Jira importer instead.",
        },
    },
    {
        "kind": "complaint",
        "category": "web-app",
        "title": "Session expires constantly in the web app",
        "body": "I have to sign in again pretty much every time I come back from a meeting. My colleagues have the same problem. Is there a setting for the session length?",
        "comments": ["Sounds like the logout bug from last week's release."],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "tasks-projects",
        "title": "Copy a task including its subtasks and checklist",
        "body": "Duplicating a task only copies the title and description. I'd like the copy to include the checklist, subtasks, labels and attachments too, so I can reuse a well-prepared task.",
        "comments": ["Options for what to copy would be perfect (like a checkbox list)."],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "tasks-projects",
        "title": "Duplicate task with everything in it",
        "body": "Please add a real **Duplicate** option that clones a task with all its details: assignee, checklist, custom fields and subtasks. Our QA team reuses the same test checklist for every release.",
        "comments": [
            "Templates might fit your QA use case better.",
            "Templates are per project though, this is more flexible.",
        ],
        "response": {
            "status": "under_review",
            "body": "We're looking at extending Duplicate so you can choose what to copy (checklist, subtasks, fields, attachments).",
        },
    },
    {
        "kind": "complaint",
        "category": "mobile",
        "title": "Comments I write on the train disappear",
        "body": "When my connection drops while I post a comment in the iOS app, the comment just vanishes. No error, no retry. I only notice later that it was never posted.",
        "comments": [
            "Please at least show an error and keep the text.",
            "Happens on Android too.",
        ],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "reporting",
        "title": "Weekly progress email for managers",
        "body": "I'd like an automatic email every Monday with a summary per project: tasks completed last week, tasks overdue, and what's due this week. Our managers don't log in often, but they do read email.",
        "comments": ["PDF attachment option for forwarding to clients."],
        "response": {
            "status": "under_review",
            "body": "We're reviewing scheduled report emails. Weekly summaries per project are the first candidate.",
        },
    },
    {
        "kind": "idea",
        "category": "web-app",
        "title": "Let me use code blocks and headings in task descriptions",
        "body": "I'm a developer and paste stack traces into tasks. Without code formatting they're hard to read. Please support some kind of formatting: headings, code blocks, lists.",
        "comments": ["Markdown is supported now, wrap your trace in triple backticks."],
        "response": None,
    },
    {
        "kind": "complaint",
        "category": "billing",
        "title": "Seat count didn't go down after removing members",
        "body": "I removed 5 people from our workspace on the 3rd. The invoice on the 10th still charged us for all 25 seats. The members page shows 20.",
        "comments": [
            "You may need to lower the seat count manually under Billing, removing people doesn't do it automatically."
        ],
        "response": {
            "status": "done",
            "body": "Removing a member now frees the seat immediately, with a prorated credit on your next invoice. We've credited the affected invoices, including yours.",
        },
    },
    {
        "kind": "idea",
        "category": "notifications",
        "title": "Slack DM when I'm assigned a task",
        "body": "I live in Slack, not email. When someone assigns me a task or mentions me, I'd like a direct message from the Tallybook bot with a link.",
        "comments": [
            "Buttons in the message to mark as done or snooze would be amazing.",
            "The channel integration exists but personal DMs would be much better.",
        ],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "tasks-projects",
        "title": "Select many cards and change the assignee in one go",
        "body": 'Sprint planning is painful: we assign 30+ cards one at a time. Multi-select on the board with a single "assign to" action would cut that down a lot.',
        "comments": ["Bulk edit was released recently, check the checkboxes in list view."],
        "response": None,
    },
    {
        "kind": "complaint",
        "category": "integrations",
        "title": 'Zapier zaps fail with "invalid token" every week',
        "body": "Our Zaps that create Tallybook tasks break roughly once a week with `401 invalid token`. Reconnecting the account fixes it until the next time. We've missed several form submissions because of this.",
        "comments": ["Same here. Seems to happen on Mondays for us."],
        "response": {
            "status": "under_review",
            "body": "We suspect the Zapier connection isn't refreshing its token correctly. We're reviewing it with Zapier's team and will update here.",
        },
    },
    {
        "kind": "idea",
        "category": "web-app",
        "title": "Labels shouldn't rely on colour alone",
        "body": "I'm colour-blind (deuteranopia) and can't tell the red **Urgent** label from the green **Low** label on the board. Please show the label name on the card, or add icons or patterns.",
        "comments": [
            "A high contrast mode in general would help too.",
            "Showing label text on cards would help everyone, not just colour-blind users.",
        ],
        "response": {
            "status": "planned",
            "body": "Planned: cards will show label names by default, and we're adding a colour-blind friendly palette in appearance settings.",
        },
    },
]

POSTS += [
    {
        "kind": "idea",
        "category": "reporting",
        "title": "Cycle time and lead time charts",
        "body": "For our Kanban team the key metrics are lead time (created to done) and cycle time (started to done). A chart with the average and 85th percentile over the last few months would replace the spreadsheet I update every Friday.",
        "comments": [
            "A scatter plot per task would be great for spotting outliers.",
            'Let us choose which column counts as "started".',
        ],
        "response": {
            "status": "planned",
            "body": "Cycle and lead time charts are planned, with a configurable start column and percentile lines. They'll also cover time spent per column.",
        },
    },
    {
        "kind": "idea",
        "category": "mobile",
        "title": "Widget on iPhone to see my to-dos",
        "body": "Would love an iOS home screen widget listing what's due today and tomorrow. Tapping a task should open it in the app.",
        "comments": [
            "Interactive widgets (tick off tasks) are possible since iOS 17.",
            "Same request exists for Android, hopefully they build both.",
        ],
        "response": None,
    },
    {
        "kind": "complaint",
        "category": "notifications",
        "title": "Emails come in English although my account is set to German",
        "body": "The app is in German for me, but every notification email is in English. Some of our warehouse staff don't read English well and ignore the emails because of it.",
        "comments": [
            "Same with French.",
            "The subject line is translated for me, the body isn't. Strange.",
        ],
        "response": {
            "status": "in_progress",
            "body": "Translated notification emails are being rolled out language by language; German and French are in testing now. They'll use each recipient's own language setting.",
        },
    },
    {
        "kind": "complaint",
        "category": "notifications",
        "title": "Notification emails ignore my language setting",
        "body": "I switched my profile language to Spanish, but the emails Tallybook sends me are still in English. Is that expected?",
        "comments": [],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "billing",
        "title": "Enforce two-factor authentication for all members",
        "body": "Our security policy requires 2FA for every tool with customer data. Members can enable 2FA themselves, but as an admin I can't **require** it. Please add a workspace setting that forces everyone to set it up.",
        "comments": [
            "And show which members have 2FA enabled.",
            "Needed for our SOC 2 audit.",
        ],
        "response": {
            "status": "done",
            "body": "Admins on Business and Enterprise can now require 2FA under **Settings > Security**. The members list shows each person's 2FA status.",
        },
    },
    {
        "kind": "idea",
        "category": "integrations",
        "title": "Show Tallybook due dates in my Outlook calendar",
        "body": "Our company runs on Outlook. The calendar integration only supports Google, so I can't see deadlines next to my meetings. An Outlook calendar feed would be enough for a start.",
        "comments": [
            "You can subscribe to the iCal feed from your profile in Outlook. It's read-only and updates every few hours, but it works.",
            "Thanks, didn't know that existed!",
        ],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "integrations",
        "title": "Outlook calendar integration, not just Google",
        "body": "Please support Outlook / Microsoft 365 calendars the same way you support Google Calendar. Half of our customers are on Outlook and feel like second-class users.",
        "comments": ["+1, corporate IT won't let us use Google."],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "billing",
        "title": "Export all our data before we cancel",
        "body": "We're consolidating tools and might leave Tallybook. Before we do, I need a complete export: projects, tasks, comments, attachments and who did what. Task CSVs alone aren't enough for our records.",
        "comments": ["This is also a GDPR thing, I believe."],
        "response": {
            "status": "done",
            "body": "Admins can now request a full workspace export (JSON plus all attachments) from **Settings > Workspace > Export**. You'll get a download link by email.",
        },
    },
    {
        "kind": "complaint",
        "category": "mobile",
        "title": "iOS app forgets I'm logged in",
        "body": "Every few days the iPhone app asks me to sign in again. With our SSO that means a 2FA prompt every time. Other work apps stay logged in for weeks.",
        "comments": [
            "Same, and it happens more often after app updates.",
            "Is your workspace admin enforcing a session timeout? Ours was set to 72 hours.",
        ],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "reporting",
        "title": "Filter reports by label and assignee",
        "body": 'The reports only filter by project and date range. I\'d like to see, for example, "bugs completed by the mobile team last month", which means filtering by label and assignee too.',
        "comments": ["Saving a filter combination would be nice."],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "notifications",
        "title": "Browser notifications for the web app",
        "body": "I keep Tallybook open in a pinned tab. Desktop notifications from the browser when I'm mentioned or assigned would let me turn off the email ones.",
        "comments": ["Also a badge count on the tab icon would help."],
        "response": {
            "status": "planned",
            "body": "Browser notifications and an unread badge on the tab icon are planned. You'll be able to choose them per notification type instead of email.",
        },
    },
    {
        "kind": "complaint",
        "category": "reporting",
        "title": "Dashboard numbers don't match the board",
        "body": "The dashboard says our Website project has **42** open tasks. When I count the board it's 37. Filtering the list view to open tasks also gives 37.\n\n"
        "Which one is right? I present these numbers to management.",
        "comments": [
            "I think the dashboard counts archived tasks that aren't completed.",
            "Ours is off by a few too. Subtasks maybe?",
        ],
        "response": {
            "status": "under_review",
            "body": "Thanks, we're checking this. Our first guess is that archived but unfinished tasks are counted on the dashboard. We'll confirm and fix the counting.",
        },
    },
    {
        "kind": "idea",
        "category": "mobile",
        "title": "Swipe to complete a task in the list",
        "body": "Swiping right to complete and left to reschedule, like most to-do apps, would make clearing my list on the phone much faster.",
        "comments": ["Configurable swipe actions please."],
        "response": {
            "status": "done",
            "body": "Swipe actions are in version 5.10 for iOS and Android. Swipe right to complete, left to reschedule, and change them under **App settings > Gestures**.",
        },
    },
    {
        "kind": "complaint",
        "category": "billing",
        "title": "Hard to tell the difference between Team and Business plans",
        "body": "I spent 20 minutes on the pricing page trying to work out whether we need Business for guest access and custom fields. The comparison table uses terms that don't match what the app calls things.",
        "comments": ["The FAQ under the table answers some of it, but yes, confusing."],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "reporting",
        "title": "Pie chart of open tasks by label",
        "body": "A simple pie chart showing the share of open tasks per label (bug, feature, chore) would help me explain our workload to non-technical colleagues.",
        "comments": ["Pie charts are hard to read with more than 4-5 slices, a bar chart might be better."],
        "response": {
            "status": "declined",
            "body": "We won't add pie charts, as they get hard to read with many labels. The **Tasks by label** bar chart on the dashboard shows the same breakdown.",
        },
    },
    {
        "kind": "complaint",
        "category": "notifications",
        "title": "Daily summary email arrives at 3am",
        "body": "The daily summary shows up at 3am my time (Vancouver). By the time I read it, half of it is out of date. It looks like it's sent at a fixed UTC time.",
        "comments": ["Same in Australia, but for us it arrives in the middle of the afternoon."],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "mobile",
        "title": "Scan paper documents straight into a task",
        "body": "Our technicians get signed paper forms from customers. A **Scan document** option in the mobile app that crops and saves as PDF would be much better than a wonky photo.",
        "comments": [
            "The iOS share sheet from Notes can do this, but it's several steps.",
            "+1 from a property management company.",
        ],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "integrations",
        "title": "Slack slash command to create tasks",
        "body": "Something like `/tasklane add Fix broken link on pricing page #website @sam` directly in Slack would save a lot of context switching.",
        "comments": ["A message shortcut that turns any Slack message into a task too."],
        "response": {
            "status": "done",
            "body": "The `/tasklane` command is live, along with a **Create task** message shortcut. Reconnect the Slack app to get the new permissions.",
        },
    },
    {
        "kind": "idea",
        "category": "billing",
        "title": "Send invoices to a separate billing email address",
        "body": "Invoices go to the workspace owner (me). I just forward them to accounts@ every month. Please let us add a billing contact email that receives invoices and receipts directly.",
        "comments": ["Multiple addresses, please."],
        "response": {
            "status": "planned",
            "body": "A billing contacts field (up to five addresses) is planned together with the tax ID changes to invoices.",
        },
    },
    {
        "kind": "idea",
        "category": "reporting",
        "title": "Burn-up chart for fixed-deadline projects",
        "body": "For client projects with a fixed launch date I'd like a burn-up chart: total scope vs completed work over time. It shows clearly when scope creep is the reason we're late.",
        "comments": [],
        "response": None,
    },
    {
        "kind": "complaint",
        "category": "mobile",
        "title": "Can't reorder checklist items on mobile",
        "body": "On the web I can drag checklist items to reorder them. In the Android app, long-press does nothing and there's no handle. Small thing, but I build my checklists on the go.",
        "comments": ["Same on iOS."],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "notifications",
        "title": "Tell me when a task I created gets completed",
        "body": "I request a lot of work from other teams. I'd like to be notified when a task I created is marked done, without having to follow every update on it.",
        "comments": ["Yes! This is the only notification I actually care about."],
        "response": None,
    },
    {
        "kind": "complaint",
        "category": "integrations",
        "title": 'Google Drive attachments show "access denied" for teammates',
        "body": 'When I attach a Google Drive file to a task, my teammates get "You need access" when they open it. Tallybook should warn me or offer to share the file with the project members.',
        "comments": ["Set the Drive folder to be shared with your domain, that fixed it for us."],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "billing",
        "title": "Cheaper plan for a single user",
        "body": "I'm a freelancer and use Tallybook on my own. The Team plan has a minimum of 3 seats, so I'd pay for 2 empty seats just to get custom fields. A solo plan would be great.",
        "comments": ["Same situation here, would pay for a Pro solo tier."],
        "response": {
            "status": "declined",
            "body": "We're not adding a solo plan right now. We have lowered the Team plan minimum from 3 seats to 2 starting next month.",
        },
    },
    {
        "kind": "idea",
        "category": "reporting",
        "title": "Link projects to quarterly goals",
        "body": "We set OKRs every quarter. I'd like to create goals in Tallybook, link projects to them, and see progress roll up automatically based on completed tasks.",
        "comments": [
            "Manual progress updates should also be possible, not everything is a task count.",
            "This would replace a separate OKR tool for us.",
        ],
        "response": {
            "status": "under_review",
            "body": "Goals are something we're actively researching. If you'd be up for a 30-minute interview, reply here and we'll reach out.",
        },
    },
]

POSTS += [
    {
        "kind": "complaint",
        "category": "mobile",
        "title": "App crashes if I rotate my phone while editing a task",
        "body": "Open a task, start typing in the description, turn the phone sideways: crash. Reproducible every time on my Galaxy S23. Not the end of the world, but I lose what I typed.",
        "comments": ["Can't reproduce on iOS, seems Android only."],
        "response": None,
    },
    {
        "kind": "complaint",
        "category": "mobile",
        "title": "Android app freezes when opening a big project",
        "body": 'Opening our main project (about 800 tasks) in the Android app freezes the screen for 10+ seconds, and sometimes I get the "App isn\'t responding" dialog.\n\n'
        "Smaller projects open fine. Moto G 5G, 4 GB RAM.",
        "comments": [
            "Same on a mid-range Samsung. The web app on the phone is actually faster.",
            'Filtering to "My tasks" before opening the project helps a bit.',
        ],
        "response": None,
    },
    {
        "kind": "complaint",
        "category": "tasks-projects",
        "title": "Accidentally deleted a task and there's no undo",
        "body": "I hit delete on the wrong task (it had three weeks of comments and attachments) and it's just gone. No undo toast, no trash, nothing. Support couldn't restore it either.\n\n"
        "Please, at least a confirmation dialog.",
        "comments": [
            "Ouch. This happened to a colleague too.",
            "A trash bin with 30 days retention like every other tool would be ideal.",
        ],
        "response": {
            "status": "done",
            "body": "Deleted tasks now go to **Trash** for 30 days and can be restored from there, and deleting shows an undo message for 10 seconds.",
        },
    },
    {
        "kind": "idea",
        "category": "tasks-projects",
        "title": "Restore deleted tasks from a trash bin",
        "body": "It would be great to have a recycle bin for tasks and projects. People delete things by mistake and right now there's no way back.",
        "comments": ["This exists now, look for Trash in the project menu."],
        "response": None,
    },
    {
        "kind": "complaint",
        "category": "web-app",
        "title": "Typing in the description box lags badly",
        "body": "In long task descriptions (a few screens of text), every keystroke takes a moment to appear. It's like typing over a bad remote desktop connection. Short descriptions are fine.",
        "comments": ["Noticed this too, mostly in Firefox."],
        "response": None,
    },
    {
        "kind": "complaint",
        "category": "web-app",
        "title": "Uploads over 25 MB fail without any error",
        "body": "I tried to attach a 40 MB video to a task. The progress bar got to 100% and then the attachment simply didn't show up. No error message. Took me a while to figure out it's a size limit.\n\n"
        "Please tell us the limit, or better, raise it.",
        "comments": [
            "The limit is in the help center: 25 MB on Team, 250 MB on Business.",
            "An error message would have saved me an hour.",
        ],
        "response": {
            "status": "under_review",
            "body": "Agreed, failing silently is bad. We're reviewing upload limits per plan, and we'll show a clear error when a file is too large in the meantime.",
        },
    },
    {
        "kind": "idea",
        "category": "notifications",
        "title": "Snooze a notification until later",
        "body": "Sometimes I see a notification and can't deal with it now. I'd like to snooze it until tomorrow morning or next Monday, so it pops up again instead of getting lost in the inbox.",
        "comments": [],
        "response": None,
    },
    {
        "kind": "complaint",
        "category": "notifications",
        "title": "I get notified about my own changes",
        "body": 'When I move my own task to Done, I get an email saying "Task moved to Done". I know, I did it! This doubles the noise.',
        "comments": [
            "Same with comments: I get an email for my own comment.",
            "Only happens when I edit from the mobile app for me.",
        ],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "billing",
        "title": "Pricing in EUR and GBP",
        "body": "We're based in Ireland and pay in USD, so the amount changes every month with the exchange rate and our bank charges a conversion fee. Please offer local currency billing.",
        "comments": ["Same in the UK, the fees add up."],
        "response": {
            "status": "declined",
            "body": "We're staying with USD billing for now, because local currency pricing needs a bigger change to our billing system. We'll revisit it next year.",
        },
    },
    {
        "kind": "complaint",
        "category": "billing",
        "title": "Double charged this month",
        "body": "Our credit card statement shows two identical charges of $184.00 from Tallybook on June 1st. Only one invoice in the billing page. Can someone look into this?",
        "comments": ["One of them might be a pending authorisation that drops off after a few days. Happened to us."],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "integrations",
        "title": "Zapier action to add a comment to a task",
        "body": "I want to add form responses as comments on an existing task via Zapier, but there's only a **Create task** action. An **Add comment** action with task ID as input would help.",
        "comments": ["And **Find task** by title or custom field, so we can get the ID."],
        "response": None,
    },
    {
        "kind": "complaint",
        "category": "integrations",
        "title": "Webhook deliveries time out and are never retried",
        "body": "Our endpoint was down for 5 minutes during a deploy and we lost every webhook event from that window. The delivery log shows `timeout` with no retries.\n\n"
        "Most services retry with backoff for at least a few hours.",
        "comments": ["A way to replay failed deliveries from the log would also help."],
        "response": {
            "status": "in_progress",
            "body": "We're adding automatic retries with exponential backoff (up to 24 hours) and a **Redeliver** button in the delivery log.",
        },
    },
    {
        "kind": "idea",
        "category": "reporting",
        "title": "On-time vs late completion report",
        "body": "I'd like to see what percentage of tasks are completed by their due date, per project and per month. It's the metric our clients ask about most.",
        "comments": ["Per assignee too, but maybe only visible to admins."],
        "response": None,
    },
    {
        "kind": "complaint",
        "category": "reporting",
        "title": "Reports page takes almost a minute to load",
        "body": "Opening **Reports** with a 12-month date range takes 45-60 seconds, and sometimes times out. With a 1-month range it's okay. We have about 9,000 tasks in total.",
        "comments": ["Same here. I keep the range short and export month by month."],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "reporting",
        "title": "Email me a PDF of the dashboard every Monday",
        "body": "I'd love to schedule the project dashboard to be sent as a PDF to me and two stakeholders every Monday at 8am. Saves me from taking screenshots and pasting them into an email.",
        "comments": ["Similar to the weekly progress email request, I think."],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "web-app",
        "title": "Shortcut to create a new task from anywhere",
        "body": "Please add a global shortcut (e.g. `Q` or `Ctrl+K`) to open a quick-add box from any page, with project and assignee picked by typing `#project` and `@name`.",
        "comments": ["A command palette for everything would be even better."],
        "response": None,
    },
    {
        "kind": "complaint",
        "category": "web-app",
        "title": "Tab key doesn't move focus inside the task panel",
        "body": "When the task side panel is open and I press `Tab`, focus jumps to the board behind it instead of the fields in the panel. Keyboard-only users can't edit a task at all this way.\n\n"
        "`Esc` also doesn't close the panel.",
        "comments": ["Confirmed in Chrome and Safari."],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "tasks-projects",
        "title": "Mark a task as blocked, with a reason",
        "body": "I'd like a **Blocked** flag on a task with a short reason (\"waiting for client feedback\") that shows as a red badge on the card. Then in standup we can quickly go through everything that's stuck.",
        "comments": ["And a filter for blocked tasks."],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "tasks-projects",
        "title": "Allow multiple assignees on one task",
        "body": "Some tasks really are shared, like pair programming or a joint presentation. Right now only one person can be assigned, so the other person never sees it in their list.",
        "comments": [
            "Please don't, then nobody feels responsible. One owner plus followers works better.",
            "I get that, but it should be the team's choice.",
        ],
        "response": {
            "status": "declined",
            "body": "We're keeping one assignee per task so ownership is always clear. Subtasks with their own assignees (planned) are our answer for shared work.",
        },
    },
    {
        "kind": "idea",
        "category": "mobile",
        "title": "Apple Watch app for checking off tasks",
        "body": "A tiny watch app showing today's tasks with a tap to complete would be great for people who work with their hands, like our kitchen staff.",
        "comments": ["Wear OS too please."],
        "response": {
            "status": "declined",
            "body": "We don't plan a watch app right now. Actionable notifications from the phone app do show up on your watch, so you can complete tasks from there.",
        },
    },
    {
        "kind": "complaint",
        "category": "mobile",
        "title": "Notification badge on the app icon never clears",
        "body": "The red badge on the iOS app icon says 14 even though I've read every notification in the app. Marking all as read doesn't change it. Reinstalling resets it until it creeps up again.",
        "comments": [],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "notifications",
        "title": "Notify the whole project when a milestone is reached",
        "body": "When a milestone task is completed, I'd like everyone on the project to get a notification (opt-out per person). A small celebration moment for the team!",
        "comments": ["Confetti animation please :)"],
        "response": None,
    },
    {
        "kind": "complaint",
        "category": "notifications",
        "title": "Unsubscribe link in emails doesn't work",
        "body": 'Clicking **Unsubscribe** at the bottom of a notification email goes to a page that says "Link expired". I clicked it the same day I got the email.',
        "comments": ["Same. Had to log in and turn it off in settings instead."],
        "response": {
            "status": "done",
            "body": "Unsubscribe links were expiring after an hour instead of 30 days. Fixed, and they now unsubscribe you from that notification type in one click.",
        },
    },
    {
        "kind": "idea",
        "category": "billing",
        "title": "Show the upcoming invoice amount before we're charged",
        "body": 'Our seat count changes a lot during the month. It would help to see "your next invoice will be about $X on date Y" on the billing page, so there are no surprises.',
        "comments": ["A heads-up email 3 days before the charge would be nice too."],
        "response": None,
    },
    {
        "kind": "complaint",
        "category": "integrations",
        "title": "Commits mentioning task IDs no longer show up on tasks",
        "body": "We write `TL-123` in our commit messages and the commits used to appear on the task automatically. For a couple of weeks now, nothing. Pull requests still appear.",
        "comments": [
            "Only for commits on feature branches in our case.",
            "See the other GitHub thread, they're working on it.",
        ],
        "response": None,
    },
]

POSTS += [
    {
        "kind": "complaint",
        "category": "mobile",
        "title": "Tallybook eats my phone battery in the background",
        "body": "Battery settings say Tallybook used 15% today with only 5 minutes on screen. Something keeps running in the background. I've had to restrict it, which means notifications come late.",
        "comments": ["Same since the last update. Galaxy A54."],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "tasks-projects",
        "title": "Flag tasks that are waiting on someone else",
        "body": "Half our tasks are stuck waiting for a client or another team. I'd like to mark them as \"waiting on X\" so they're visibly different from tasks nobody is working on, and filter them out of my focus list.",
        "comments": [
            "We use a **Waiting** column for this, but it breaks our workflow columns.",
            'Sounds like the "blocked" flag idea, +1 to either.',
        ],
        "response": None,
    },
    {
        "kind": "complaint",
        "category": "tasks-projects",
        "title": "Sorting by due date puts tasks without a date first",
        "body": "When I sort my list by due date, the 40 tasks with no due date come first and I have to scroll past all of them to see what's due this week. Tasks without a date should go at the end.",
        "comments": [],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "tasks-projects",
        "title": "A project overview page for goals and key links",
        "body": "Each project needs a place for its brief: goal, stakeholders, links to the design files and the spec. Right now we pin a task called **README** to the top of the board, which is a hack.",
        "comments": ["Could be a simple Markdown page per project."],
        "response": None,
    },
    {
        "kind": "complaint",
        "category": "tasks-projects",
        "title": "Moving a task to another project loses its custom fields",
        "body": 'When I move a task from **Sales pipeline** to **Onboarding**, all its custom field values are wiped, even though both projects have a field called "Client" of the same type. We had to re-enter data for 30 clients.',
        "comments": ["Same thing happens with bulk move."],
        "response": {
            "status": "in_progress",
            "body": "We're changing moves so that values carry over when the target project has a field with the same name and type, and you'll get a warning before any value is dropped.",
        },
    },
    {
        "kind": "idea",
        "category": "web-app",
        "title": "Remember my last used view per project",
        "body": "I always use list view for the Backlog project and board view for Sprint. Every time I open a project it goes back to board view. Please remember my choice per project.",
        "comments": ["And remember filters and sorting too."],
        "response": None,
    },
    {
        "kind": "complaint",
        "category": "web-app",
        "title": "Tallybook doesn't load in Safari 15",
        "body": "Our office Macs are on an older macOS with Safari 15. Since last week Tallybook shows a blank white page. IT can't update those machines right now.",
        "comments": ["Firefox still runs on older macOS versions, might be a workaround."],
        "response": {
            "status": "declined",
            "body": "We support the last two major versions of each browser, and Safari 15 is no longer one of them. Firefox or Chrome will keep working on those Macs.",
        },
    },
    {
        "kind": "idea",
        "category": "web-app",
        "title": "Option to reduce animations",
        "body": 'The card flip and confetti animations make me a bit motion sick. Please respect the OS "reduce motion" setting, or add a toggle in Tallybook.',
        "comments": ["The confetti is fun the first time, then it's just distracting."],
        "response": {
            "status": "done",
            "body": "Tallybook now follows your system's reduce-motion setting, and there's a separate **Animations** toggle under **Settings > Appearance**.",
        },
    },
    {
        "kind": "complaint",
        "category": "web-app",
        "title": "Images in comments are tiny and can't be enlarged",
        "body": "Screenshots posted in comments are shown as small thumbnails and clicking them downloads the file instead of opening a preview. For bug reports we need to see details in the screenshots.",
        "comments": [],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "reporting",
        "title": "Compare this month to last month on the dashboard",
        "body": "Next to each number on the dashboard (tasks created, tasks completed, overdue), show a small arrow with the change vs the previous period. Helps me tell at a glance whether things are getting better.",
        "comments": ["Tiny sparkline charts would be even nicer."],
        "response": None,
    },
    {
        "kind": "complaint",
        "category": "reporting",
        "title": "CSV export mangles accented characters in Excel",
        "body": 'Names like "José" and "Müller" show up as `JosÃ©` and `MÃ¼ller` when I open the exported CSV in Excel. Google Sheets shows them correctly.',
        "comments": [
            "Excel needs a UTF-8 BOM at the start of the file to detect the encoding.",
            "Use the XLSX export instead, that one is fine.",
        ],
        "response": {
            "status": "under_review",
            "body": "Thanks for the detail. We're checking whether adding a UTF-8 BOM breaks any other tools before we change the CSV export; XLSX works correctly in the meantime.",
        },
    },
    {
        "kind": "idea",
        "category": "reporting",
        "title": "Report of tasks per client across all projects",
        "body": "We have a custom field **Client** on tasks in several projects. I'd like one report grouped by that field, across projects, so I can see all work we've done for a client this quarter.",
        "comments": ["Grouping by any custom field would solve this in general."],
        "response": None,
    },
    {
        "kind": "complaint",
        "category": "reporting",
        "title": "Report date range resets every time I open it",
        "body": 'I set the reports to "Last 90 days", leave the page, come back, and it\'s back to "Last 30 days". Every single time. Please remember my last setting.',
        "comments": ["Putting the range in a bookmarked URL doesn't work either."],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "notifications",
        "title": "Monday email with everything due this week",
        "body": "A short email each Monday morning listing my tasks due this week, ordered by date. Just that. It'd help me plan the week without opening the app.",
        "comments": ["Would be great to include overdue tasks at the top."],
        "response": None,
    },
    {
        "kind": "complaint",
        "category": "notifications",
        "title": 'Android push notifications just say "New notification"',
        "body": 'Notifications on my Android phone show "Tallybook: New notification" with no details about which task or who did what. I have to open the app to find out if it\'s important.',
        "comments": [
            "Check if you've hidden sensitive content on the lock screen in Android settings.",
            "Not that for me, it's the same when the phone is unlocked.",
        ],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "notifications",
        "title": "Choose which projects send me email",
        "body": "I'm a member of 20 projects but only actively work on 3. I'd like email notifications for those 3 and in-app only for the rest.",
        "comments": ["Per-project notification settings would be a huge improvement."],
        "response": {
            "status": "planned",
            "body": "Per-project notification settings are planned as part of the notification settings redesign, alongside digests and quiet hours.",
        },
    },
    {
        "kind": "complaint",
        "category": "billing",
        "title": "Workspace locked the day after a failed payment",
        "body": "Our card payment failed once because of a bank fraud check, and the next morning the whole team was locked out mid-sprint. No grace period, and just one email that went to the owner, who was on vacation.\n\n"
        "A few days of grace and emails to all admins would be reasonable.",
        "comments": [
            "Ouch. We added a second admin as billing contact for exactly this reason.",
            "Agree, a 7-day grace period is standard.",
        ],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "billing",
        "title": "Transfer workspace ownership to another admin",
        "body": "Our workspace owner left the company. I'm an admin but can't change billing or delete the workspace. Please let owners (or support) transfer ownership easily.",
        "comments": ["Support did this for us in a day, but a button in settings would be better."],
        "response": None,
    },
    {
        "kind": "complaint",
        "category": "billing",
        "title": "Upgrade prompt pops up every time I open a project",
        "body": 'We\'re on the Free plan by choice. Every time I open a project a big "Upgrade to Team" modal appears. Once a week would be fine; every click is just annoying.',
        "comments": ["Same, it's making the free plan feel like a trial."],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "integrations",
        "title": "Link Tallybook tasks to Jira issues",
        "body": "Our support team works in Tallybook but engineering uses Jira. I'd like to paste a Jira issue link into a task and see its status (To Do / In Progress / Done) right on the card.",
        "comments": ["A link preview with status would be enough for us, no full sync needed."],
        "response": None,
    },
    {
        "kind": "complaint",
        "category": "integrations",
        "title": "Google Calendar sync creates duplicate events",
        "body": "Every time I change a task's due date, a new event is created in Google Calendar instead of moving the old one. My calendar now has the same task on four different days.",
        "comments": [
            "Disconnecting and reconnecting cleaned it up for me.",
            "Same here, it started after we renamed the project.",
        ],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "integrations",
        "title": "Official Python client for the API",
        "body": "We write a lot of internal scripts against the Tallybook API. An official Python package with typed models and pagination handling would save everyone from writing the same wrapper.",
        "comments": [
            "There's a community package on PyPI, works okay but isn't maintained.",
            "A Node/TypeScript client too, please.",
        ],
        "response": {
            "status": "declined",
            "body": "We won't maintain language-specific SDKs ourselves. We publish a complete OpenAPI spec at `/v2/openapi.json`, which generates good clients for Python and TypeScript.",
        },
    },
    {
        "kind": "idea",
        "category": "mobile",
        "title": "Dark mode in the mobile apps",
        "body": "My phone is in dark mode but Tallybook is blinding white. Please follow the system theme on iOS and Android.",
        "comments": ["Dark mode for the web app is planned, hopefully mobile follows soon."],
        "response": None,
    },
    {
        "kind": "complaint",
        "category": "mobile",
        "title": "Can't upload videos from the iOS app",
        "body": "When I choose a video from my camera roll, the attachment picker greys it out. Only photos can be selected. Our installers need to send short videos of problems on site.",
        "comments": ["Android lets me pick videos, so this seems iOS specific."],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "mobile",
        "title": "Add a task without opening the app",
        "body": "When an idea pops into my head I want to capture it in two taps: long-press the app icon, **New task**, type, done. Right now the app loads my whole home screen first.",
        "comments": [
            "On iOS you can add a Shortcuts action for this, but native would be better.",
            "Share-to-Tallybook from other apps is similar and already works.",
        ],
        "response": None,
    },
]

POSTS += [
    {
        "kind": "complaint",
        "category": "mobile",
        "title": "iOS app stuck on the splash screen after updating",
        "body": "After updating to 5.13 this morning the iPhone app shows the Tallybook logo forever. Force-quitting doesn't help. Deleting and reinstalling works, but then I have to log in with SSO again.",
        "comments": [
            "Same here, iPhone 12 mini.",
            "Reinstalling fixed it for me too, thanks for the tip.",
        ],
        "response": {
            "status": "in_progress",
            "body": "We've found the cause: a data migration in 5.13 hangs for some accounts with many offline drafts. 5.13.1 with a fix is in review with Apple.",
        },
    },
    {
        "kind": "idea",
        "category": "mobile",
        "title": "Bigger tap targets in the mobile app",
        "body": "The checkboxes and the little **...** menu on task rows are tiny. I have big thumbs and a slight tremor, and I often open the wrong task or complete something by accident.\n\n"
        "An option for larger controls would help.",
        "comments": ["An undo after completing a task would help with the accidental taps too."],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "mobile",
        "title": "Choose a default project for new tasks on mobile",
        "body": "Every task I add from my phone goes to my personal inbox, and then I move it later. I'd like to set a default project (e.g. **Field work**) for tasks created on mobile.",
        "comments": [],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "tasks-projects",
        "title": "Start date in addition to due date",
        "body": "Tasks only have a due date. For planning I need to know when work is supposed to **start**, so I can see what's coming up and not just what's due.",
        "comments": [
            "This is a prerequisite for any timeline view.",
            "Please also hide tasks from My Tasks until their start date (optional).",
        ],
        "response": {
            "status": "done",
            "body": "Tasks now have an optional start date. Use the new **Hide until start date** filter in My Tasks to keep future work out of the way.",
        },
    },
    {
        "kind": "complaint",
        "category": "tasks-projects",
        "title": "Checklist items get unchecked by themselves",
        "body": "Twice this week, checklist items I had ticked were unchecked again the next day. Nobody else edited the task according to the activity log. Makes me doubt whether anything I tick is saved.",
        "comments": [
            "Do you have the task open in two tabs or on your phone at the same time? I've seen the older copy overwrite changes.",
            "That might be it, I usually have the app open on my phone too.",
        ],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "tasks-projects",
        "title": "Pin favourite projects to the top of the sidebar",
        "body": "I'm in 25 projects and scroll through the sidebar all day to find the same 4. A star to pin favourites at the top would be a nice quality-of-life improvement.",
        "comments": ["Drag to reorder the sidebar would also work."],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "tasks-projects",
        "title": "Estimates in hours or story points",
        "body": "We'd like an estimate field on tasks: hours for our agency projects, story points for the product team. Choosable per project. Totals per column would show at a glance if a sprint is overloaded.",
        "comments": ["Yes, and use it in the workload view."],
        "response": None,
    },
    {
        "kind": "complaint",
        "category": "web-app",
        "title": "Browser tab freezes when pasting a large table",
        "body": "Pasting a table of about 200 rows from a spreadsheet into a task description freezes the tab for almost a minute, and Chrome offers to kill the page. Smaller tables paste fine.",
        "comments": [],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "web-app",
        "title": "Choose which columns appear in list view",
        "body": "List view always shows assignee, due date and labels. I'd like to add columns for custom fields and hide the ones I don't need, like a spreadsheet.",
        "comments": [
            "Resizable columns too, please.",
            "Sorting by clicking the column header would be expected.",
        ],
        "response": None,
    },
    {
        "kind": "complaint",
        "category": "web-app",
        "title": "Keyboard focus is invisible on most buttons",
        "body": "When tabbing through the app there's no visible focus outline on most buttons and menu items, so I don't know where I am. It looks like `outline: none` is set globally.\n\n"
        "This fails WCAG 2.4.7, and it's a blocker for our procurement team's accessibility review.",
        "comments": ["Agreed, this is also a problem for our VPAT requirements."],
        "response": {
            "status": "under_review",
            "body": "You're right, and we're sorry. We're reviewing all interactive elements for visible focus styles as part of our accessibility audit, and will share the timeline here.",
        },
    },
    {
        "kind": "idea",
        "category": "web-app",
        "title": "Show the full task title on hover",
        "body": 'Long titles on cards are cut off with "...". A tooltip with the full title on hover, or an option to wrap titles to two lines, would save me opening tasks just to read their names.',
        "comments": ["Wrapping is better than a tooltip for touch screens."],
        "response": None,
    },
    {
        "kind": "complaint",
        "category": "reporting",
        "title": "Leaderboard in reports feels like surveillance",
        "body": "The new **Top contributors** chart ranks team members by tasks completed. Our team hates it: a person closing 40 tiny tasks ranks above someone who solved one hard problem. Please let admins turn it off.",
        "comments": [
            "Same reaction here. It's already causing awkward conversations.",
            "Counting tasks is a bad way to measure people, full stop.",
            "I find it useful for spotting who is overloaded, but a toggle would be fair.",
        ],
        "response": {
            "status": "planned",
            "body": "Thanks for the honest feedback. The next release will replace the ranking with team totals by default, and admins can turn per-person charts off entirely.",
        },
    },
    {
        "kind": "idea",
        "category": "reporting",
        "title": "Reports by fiscal quarter",
        "body": "Our fiscal year starts in April. The report date presets only know calendar quarters, so I set custom dates every time. Please let admins set the fiscal year start.",
        "comments": [],
        "response": None,
    },
    {
        "kind": "complaint",
        "category": "reporting",
        "title": "Charts are cut off when I print the dashboard",
        "body": "Printing the dashboard (or saving it as PDF from the browser) cuts the charts in half across pages and drops the legends. I need a printable version for our monthly board meeting.",
        "comments": ["Taking screenshots is my current workaround, sadly."],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "reporting",
        "title": "API access to report data",
        "body": "We build our company dashboards in a BI tool. I'd like to fetch the same numbers Tallybook shows in reports (completed per week, cycle time) through the API instead of recalculating them from raw tasks.",
        "comments": ["A read-only reports endpoint would be perfect."],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "notifications",
        "title": "Notify me when a task is moved back out of Done",
        "body": "If QA reopens a task I finished, I want to know immediately. Right now it quietly moves back to In progress and I only notice at the next standup.",
        "comments": [],
        "response": None,
    },
    {
        "kind": "complaint",
        "category": "notifications",
        "title": "Email notifications show raw Markdown",
        "body": "Since Markdown support was added, comment emails show the raw syntax: `**important**`, `[link](https://...)` and so on. It's hard to read, especially with code blocks.",
        "comments": ["Same in the daily summary."],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "notifications",
        "title": "Different notification sound for mentions",
        "body": "On my phone every Tallybook notification makes the same sound. A separate sound (or channel on Android) for direct mentions would let me ignore the rest until later.",
        "comments": ["Android notification channels per type would solve this nicely."],
        "response": None,
    },
    {
        "kind": "complaint",
        "category": "notifications",
        "title": "Mention notification opens the wrong task",
        "body": "I got a notification that Kim mentioned me. Tapping it opened a completely unrelated task from another project. I had to search for the right one. Happened three times this week, both in the app and in email.",
        "comments": ["Same, the link seems to point to the task that was open when the comment was written."],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "billing",
        "title": "Pause our subscription over the summer",
        "body": "We're a school club and barely use Tallybook in July and August. Could we pause the subscription for two months instead of downgrading and losing our settings?",
        "comments": ["Seasonal businesses would love this too."],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "billing",
        "title": "SAML single sign-on on the Business plan",
        "body": "SSO is Enterprise-only, which starts at 50 seats. We're 18 people, but our security policy requires SSO for every tool. Please offer it on Business, even as a paid add-on.",
        "comments": [
            "Google sign-in works on all plans, if that's enough for your policy.",
            "Not for us, we need to deprovision centrally.",
        ],
        "response": {
            "status": "declined",
            "body": "SAML SSO will remain part of Enterprise. We've lowered the Enterprise minimum to 25 seats, and Google and Microsoft sign-in remain available on every plan.",
        },
    },
    {
        "kind": "idea",
        "category": "billing",
        "title": "Audit log of admin actions",
        "body": "We need to see who changed workspace settings, removed members or changed the plan, with timestamps. Our auditors ask for this every year.",
        "comments": ["Exportable, please."],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "integrations",
        "title": "Embed a live board in our internal wiki",
        "body": "We'd like to embed a read-only view of a project board in our wiki pages (iframe or embed code), so people see current status where they already read documentation.",
        "comments": ["Respecting permissions, of course."],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "integrations",
        "title": "Post overdue tasks to a Slack channel every morning",
        "body": "A daily Slack message in our team channel listing overdue tasks, with assignees mentioned, would keep things moving without anyone having to nag.",
        "comments": [
            "Gentle nagging by a bot is better than nagging by a manager :)",
            "Make the time and channel configurable per project.",
        ],
        "response": None,
    },
    {
        "kind": "idea",
        "category": "integrations",
        "title": "Close the task automatically when the linked PR is merged",
        "body": "We link pull requests to tasks already. It'd be great if merging the PR could move the task to **Done** (or a configurable column like **Ready for QA**).",
        "comments": ["Configurable column is essential, we don't consider merged = done."],
        "response": None,
    },
]
