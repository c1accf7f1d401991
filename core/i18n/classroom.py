"""Text of hosting for a class: names, teacher mode, the board, limits (core/classroom.py, core/limits.py)."""

TEXT = {
    # --- limits (core/limits.py, core/jobs.py) ---
    "limits.epochs": (
        "This server trains at most {limit} epochs per run, and {value} were asked for. Use {limit} or fewer.",
        "本服务器每个训练任务最多训练 {limit} 个 epoch，而设置的是 {value}。请使用 {limit} 或更少。",
    ),
    "limits.samples": (
        "This server trains on at most {limit} samples per run, and this run would use {value}. "
        "Set \u201cSamples to use\u201d to {limit} or fewer.",
        "本服务器每个训练任务最多使用 {limit} 个样本，而这次训练会用到 {value} 个。请把“使用的样本数”设为 {limit} 或更少。",
    ),
    "limits.queue_full": (
        "The queue is full: {queued} runs are waiting, and this server allows {limit}. "
        "Try again when a run has started.",
        "队列已满：已有 {queued} 个训练任务在等待，本服务器最多允许 {limit} 个。请等有训练任务开始后再试。",
    ),
    "limits.bumped_from_queue": (
        "Taken out of the queue: it was full, and {waiting} runs waited from this computer, more than from "
        "any other. Start it again once your other runs have started.",
        "已移出队列：队列已满，而这台电脑有 {waiting} 个训练任务在等待，比其他电脑都多。请等你的其他训练任务开始后再启动它。",
    ),
    "limits.per_student": (
        "You already have {active} run(s) queued or running, and this server allows {limit} per student. "
        "Stop one, or wait until it ends.",
        "你已有 {active} 个训练任务在排队或训练中，本服务器每位学生最多允许 {limit} 个。请停止一个，或等它结束。",
    ),
    "limits.disk_full": (
        "The run store is full: {used} MB used of a {quota} MB quota, and every run in it is still queued or "
        "running, so none could be deleted to make room. Try again when a run ends.",
        "训练任务存储区已满：已用 {used} MB，配额 {quota} MB，且其中的训练任务都还在排队或训练，无法删除腾出空间。请等有训练任务结束后再试。",
    ),
    "limits.steps": (
        "This run would take about {steps} optimizer steps ({epochs} epochs of small batches), and this server "
        "allows {limit} per run. Use batch size {batch} or more, or fewer epochs.",
        "这次训练大约需要 {steps} 个优化步（{epochs} 个 epoch，batch 很小），本服务器每个训练任务最多允许 {limit} 步。"
        "请把 batch 大小设为 {batch} 或更大，或减少 epoch。",
    ),
    "limits.run_too_large": (
        "This run would need about {need} MB on disk (model, checkpoint with optimizer state, metrics), more "
        "than the {limit} MB one student's runs may take here. Choose a smaller model or fewer epochs.",
        "这次训练大约需要 {need} MB 磁盘空间（模型、含优化器状态的检查点、指标），超过了这里一位学生的训练任务"
        "总共可占用的 {limit} MB。请选择更小的模型或更少的 epoch。",
    ),
    "limits.student_disk_full": (
        "Your runs take {used} MB of the {limit} MB each student may use, and this one needs about {need} MB "
        "more; the rest are queued or running, so none could be deleted. Delete a run, or wait until one ends.",
        "你的训练任务已占用每位学生可用的 {limit} MB 中的 {used} MB，这次还需要约 {need} MB；"
        "其余训练任务都在排队或训练，无法删除。请删除一个训练任务，或等有训练任务结束。",
    ),
    # --- names and the board (core/classroom.py) ---
    "class.name_cleaned": (
        "The name \u201c{value}\u201d was changed to **{used}**: names use lower-case letters, digits and \u201c-\u201d, "
        "3 to 24 characters.",
        "名字“{value}”已改为 **{used}**：名字只能用小写字母、数字和“-”，长度 3 到 24 个字符。",
    ),
    "class.name_too_short": (
        "\u201c{value}\u201d is not a usable name (3 to 24 lower-case letters, digits or \u201c-\u201d); "
        "you are **{used}** for now.",
        "“{value}”不能用作名字（3 到 24 个小写字母、数字或“-”）；暂时使用 **{used}**。",
    ),
    "class.bad_key": (
        "The link's `key` is not a valid key (16 hexadecimal characters), so a new one was made: runs started "
        "with another key are not listed as yours. Use the link you bookmarked to get them back.",
        "链接中的 `key` 不是有效的密钥（16 位十六进制字符），因此生成了新的密钥：用其他密钥开始的训练任务不会显示为你的。"
        "请使用你收藏的链接找回它们。",
    ),
    "class.not_yours": (
        "Run {run_id} belongs to {owner}: only they or the teacher can stop, resume or delete it.",
        "训练任务 {run_id} 属于 {owner}：只有本人或教师可以停止、继续或删除它。",
    ),
    "class.title_needed": ("Give it a title (up to {limit} characters).", "请填写标题（最多 {limit} 个字符）。"),
    "class.bad_pin": (
        "Pinned settings are up to {limit} short URL parameters of the Convolution page.",
        "固定的设置最多是卷积页面的 {limit} 个简短 URL 参数。",
    ),
    "class.board_full": (
        "The board holds at most {limit} recipes and {limit} pinned settings; withdraw one first.",
        "公告板最多放 {limit} 个配方和 {limit} 个固定设置；请先撤下一个。",
    ),
    # --- the sidebar and the Class page (ui/classroom.py, pages/classroom.py) ---
    "nav.classroom": ("Class", "课堂"),
    "sidebar.name": ("Your name in this class", "你在课堂中的名字"),
    "sidebar.name_help": (
        "Shown next to your runs when the teacher shares the class's runs. Your runs stay yours through the "
        "`key` in this page's link: bookmark the link to come back to them.",
        "当教师共享全班的训练任务时，这个名字会显示在你的训练任务旁边。你的训练任务通过页面链接中的 `key` 归属于你："
        "收藏这个链接，以后就能回到它们。",
    ),
    "sidebar.teacher_on": ("Teacher mode", "教师模式"),
    "classroom.title": ("Class", "课堂"),
    "classroom.intro": (
        "Everyone in this class uses one Stride server. Your runs are yours: others see them only when the "
        "teacher shares the class's runs, and only you or the teacher can stop or delete them.",
        "全班共用一台 Stride 服务器。你的训练任务属于你：只有教师共享全班的训练任务时其他人才能看到，只有你或教师能停止或删除它们。",
    ),
    "classroom.you": ("You are **{name}**.", "你是 **{name}**。"),
    "classroom.bookmark": (
        "Bookmark this page's link to come back to your runs later, from this or another browser. Keep it to "
        "yourself: it holds your key, and whoever opens it can stop or delete your runs. To show someone a "
        "page, use “Link to share this view” in the sidebar.",
        "收藏本页的链接，之后可以在这个或其他浏览器中回到你的训练任务。请不要把它给别人：链接里有你的密钥，"
        "打开它的人可以停止或删除你的训练任务。想给别人看某个页面，请用侧边栏里的“分享此视图的链接”。",
    ),
    "sidebar.personal_link": (
        "The address bar's link is yours alone: it carries your key, and whoever opens it acts as you.",
        "地址栏中的链接只属于你：它带着你的密钥，打开它的人就能以你的身份操作。",
    ),
    "sidebar.share_view": ("Link to share this view", "分享此视图的链接"),
    "sidebar.share_view_help": (
        "A link to this page with its settings, without your name and key: safe to send to classmates.",
        "指向本页及其设置的链接，不含你的名字和密钥：可以放心发给同学。",
    ),
    "sidebar.share_caption": (
        "Copy it with the button at its right; it opens this view as the reader's own.",
        "用右侧的按钮复制；别人打开后看到的是同样的视图，身份是他们自己。",
    ),
    "classroom.limits": ("This server's limits", "本服务器的限制"),
    "classroom.limit": ("Limit", "限制"),
    "classroom.value": ("Value", "值"),
    "classroom.now": ("Now", "当前"),
    "classroom.limit_running": ("Runs training at once", "同时训练的训练任务数"),
    "classroom.limit_queue": ("Runs waiting in the queue", "队列中等待的训练任务数"),
    "classroom.limit_student": ("Runs per student (queued or running)", "每位学生的训练任务数（排队或训练中）"),
    "classroom.limit_epochs": ("Epochs per run", "每个训练任务的 epoch 数"),
    "classroom.limit_samples": ("Samples per run", "每个训练任务的样本数"),
    "classroom.limit_steps": ("Optimizer steps per run", "每个训练任务的优化步数"),
    "classroom.limit_minutes": ("Training time per start of a run", "每次启动训练任务的训练时间"),
    "classroom.limit_student_disk": ("Disk per student (all their runs)", "每位学生的磁盘空间（其全部训练任务）"),
    "classroom.limit_upload": ("Upload size per file", "每个上传文件的大小"),
    "classroom.limit_disk": ("Run store disk quota", "训练任务存储区的磁盘配额"),
    "classroom.limit_disk_help": (
        "A run too large for a student's share is refused before it starts. Past a share, or the quota, ended "
        "runs are deleted to make room: the student's own oldest first, then those of whoever takes the most "
        "space; a queued or running run never is.",
        "超出一位学生份额的训练任务在开始前就被拒绝。超过份额或配额时，会删除已结束的训练任务来腾出空间：先删这位学生"
        "自己最早的，再删占用空间最多的人的；排队或训练中的训练任务永远不会被删除。",
    ),
    "classroom.teacher": ("Teacher", "教师"),
    "classroom.password": ("Teacher password", "教师密码"),
    "classroom.unlock": ("Unlock teacher mode", "进入教师模式"),
    "classroom.wrong_password": ("That is not the teacher password.", "教师密码不正确。"),
    "classroom.locked": (
        "Too many wrong passwords: try again in {seconds} s.",
        "密码错误次数过多：请在 {seconds} 秒后再试。",
    ),
    "classroom.teacher_on": (
        "Teacher mode is on in this browser tab: you see every run, can stop or delete any of them on the "
        "Training page, and publish recipes and convolution settings for the class.",
        "本标签页已进入教师模式：你可以看到所有训练任务，在训练页面停止或删除任何训练任务，并为全班发布配方和卷积设置。",
    ),
    "classroom.lock": ("Leave teacher mode", "退出教师模式"),
    "classroom.sharing": ("Students see the class's runs", "学生可以看到全班的训练任务"),
    "classroom.sharing_help": (
        "On: every student can watch, compare and predict with everyone's runs (read only). Off: each student "
        "sees only their own.",
        "开启：每位学生都能查看、比较全班的训练任务并用它们预测（只读）。关闭：每位学生只能看到自己的训练任务。",
    ),
    "classroom.published_recipes": ("Published recipes", "已发布的配方"),
    "classroom.published_pins": ("Pinned convolution settings", "固定的卷积设置"),
    "classroom.nothing_published": ("Nothing yet.", "暂无。"),
    "classroom.withdraw": ("Withdraw", "撤下"),
    "classroom.publish_where": (
        "Publish a recipe from the Training page's form, and pin settings from the Convolution page.",
        "在训练页面的表单中发布配方，在卷积页面中固定设置。",
    ),
    "classroom.all_runs": ("Every run in the class", "全班的所有训练任务"),
    "classroom.col_owner": ("Student", "学生"),
    "classroom.solo": (
        "Class mode is off: this server has no teacher password, so it works as a one-person lab and every "
        "visitor sees every run. Set `STRIDE_TEACHER_PASSWORD` to host a class.",
        "课堂模式未开启：服务器没有设置教师密码，因此作为个人实验室运行，每位访问者都能看到所有训练任务。"
        "设置 `STRIDE_TEACHER_PASSWORD` 即可为全班提供服务。",
    ),
    # --- publishing (pages/training.py, pages/convolution.py) and what students see (pages/home.py) ---
    "class.publish_recipe": ("Publish this form as a class recipe", "把这个表单发布为班级配方"),
    "class.publish_pin": ("Pin these settings for the class", "为全班固定这些设置"),
    "class.publish_title": ("Title students will see", "学生看到的标题"),
    "class.publish": ("Publish", "发布"),
    "class.published": (
        "Published: students see \u201c{title}\u201d on the home page.",
        "已发布：学生会在首页看到“{title}”。",
    ),
    "class.from_teacher": ("From your teacher", "来自教师"),
    "class.teacher_recipes": ("Training recipes", "训练配方"),
    "class.teacher_pins": ("Convolution settings to explore", "要探索的卷积设置"),
    "class.recipe_loaded": (
        "The form holds your teacher's recipe \u201c{title}\u201d. Press Start to train it.",
        "表单已填入教师的配方“{title}”。按“开始”即可训练。",
    ),
    "class.recipe_gone": (
        "The link's recipe `{value}` is not on the board any more; the form keeps its settings.",
        "链接中的配方 `{value}` 已不在公告板上；表单保持原有设置。",
    ),
    "class.pruned": (
        "To keep the run store within its disk quota, these older runs were deleted: {runs}.",
        "为使训练任务存储区不超过磁盘配额，以下较早的训练任务已被删除：{runs}。",
    ),
    "class.scope": ("Runs shown", "显示的训练任务"),
    "class.scope_mine": ("Mine", "我的"),
    "class.scope_class": ("Class", "全班"),
    "class.server_limits": (
        "This server: {running} run(s) train at once, up to {queue} wait in the queue{per_student}; "
        "at most {epochs} epochs and {samples} samples per run; run store {used} of {quota} MB.",
        "本服务器：同时训练 {running} 个训练任务，最多 {queue} 个排队{per_student}；每个训练任务最多 {epochs} 个 epoch、"
        "{samples} 个样本；训练任务存储区已用 {used} / {quota} MB。",
    ),
    "class.per_student": (", {limit} per student", "，每位学生 {limit} 个"),
    "class.waiting_for_slot": (
        "this server trains {limit} run(s) at once; the others wait in order",
        "本服务器同时训练 {limit} 个训练任务；其余按顺序等待",
    ),
}
