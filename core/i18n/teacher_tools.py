"""Text of the teacher's tools on the Class page: run actions, the class's results, the server's health."""

TEXT = {
    # --- a run no worker owns (core/reconcile.py) ---
    "reconcile.not_running": (
        "Run {run_id} is {state}, not running: there is nothing to mark.",
        "训练任务 {run_id} 的状态是 {state}，不在训练中：无需标记。",
    ),
    "reconcile.worker_alive": (
        "Run {run_id} is still trained by worker {pid} on this server; use Stop instead.",
        "训练任务 {run_id} 仍由本服务器上的工作进程 {pid} 训练；请改用“停止”。",
    ),
    "reconcile.marked": (
        "interrupted: marked by the teacher, as no worker of this server trained it (it was started on {host}). "
        "Everything up to epoch {epoch} is kept; resume continues from there",
        "已中断：由教师标记，因为本服务器上没有工作进程在训练它（它启动于 {host}）。"
        "第 {epoch} 个 epoch 之前的一切均已保留；继续训练将从那里开始",
    ),
}
TEXT.update(
    {
        # --- the teacher's actions (core/teacher.py) ---
        "teacher.only": (
            "Only the teacher can do this; unlock teacher mode first.",
            "只有教师可以这样做；请先进入教师模式。",
        ),
        "teacher.stopped": (
            "Asked {count} run(s) to stop: queued ones are cancelled now, running ones stop within a step "
            "(their checkpoints kept; students can resume them).",
            "已请求 {count} 个训练任务停止：排队的训练任务立即取消，训练中的训练任务在一步之内停止（检查点保留；学生可以继续训练）。",
        ),
        "teacher.deleted": (
            "Deleted {count} ended run(s) with all their files.",
            "已删除 {count} 个已结束的训练任务及其全部文件。",
        ),
        "teacher.marked": (
            "Run {run_id} is marked interrupted; its student can resume it from its last checkpoint.",
            "训练任务 {run_id} 已标记为中断；学生可以从最后的检查点继续运行。",
        ),
        # --- the Class page's teacher tools (ui/teacher_tools.py) ---
        "teacher.title": ("Class tools", "班级工具"),
        "teacher.sessions": ("Browser sessions", "浏览器会话"),
        "teacher.server": ("App process", "应用进程"),
        "teacher.cores": ("{cores} cores busy", "占用 {cores} 个核心"),
        "teacher.workers": ("Training workers ({count})", "训练工作进程（{count}）"),
        "teacher.workers_help": (
            "The processes that train runs, with the one kept ready for the next run (PyTorch already loaded, so "
            "a run starts in a moment): it holds memory even while nothing trains.",
            "训练任务的进程，包括为下一个任务预先准备好的那个（已载入 PyTorch，任务可以立即开始）："
            "即使没有任务在训练，它也占用内存。",
        ),
        "teacher.queue": ("Runs training / queued", "训练中 / 排队的训练任务"),
        "teacher.memory_disk": (
            "Memory limit {limit} · run store {store} · disk {free} GB free of {total} GB · read at {at}",
            "内存上限 {limit} · 训练任务存储区 {store} · 磁盘剩余 {free} GB，共 {total} GB · 读取于 {at}",
        ),
        "teacher.no_limit": ("none", "无"),
        "teacher.metrics_note": (
            "Memory is resident memory (RSS); cores busy is the average since the last reading. Streamlit's own "
            "numbers are at /_stcore/metrics, which the HTTPS proxy does not pass on (see the README).",
            "内存指常驻内存（RSS）；占用核心数是自上次读取以来的平均值。Streamlit 自己的数据在 /_stcore/metrics，"
            "HTTPS 代理不会转发它（见 README）。",
        ),
        "teacher.confirm_stop": ("Yes, stop all {count} active run(s)", "是的，停止全部 {count} 个进行中的训练任务"),
        "teacher.stop_all": ("Stop all runs", "停止所有训练任务"),
        "teacher.confirm_delete": (
            "Yes, delete all {count} ended run(s) for good",
            "是的，永久删除全部 {count} 个已结束的训练任务",
        ),
        "teacher.delete_ended": ("Delete ended runs", "删除已结束的训练任务"),
        "teacher.export": (
            "Download the class's results (CSV, {count} runs)",
            "下载全班的结果（CSV，{count} 个训练任务）",
        ),
        "teacher.export_help": (
            "One row per run: student, data, model, epochs, validation and test accuracy, training time.",
            "每个训练任务一行：学生、数据、模型、epoch 数、验证与测试准确率、训练时间。",
        ),
        "teacher.unowned": ("Runs no worker of this server trains", "本服务器上没有工作进程负责的训练任务"),
        "teacher.unowned_help": (
            "The run store is shared with other servers, and these runs were started on one of them. If that "
            "server is gone, mark them interrupted so their students can resume them.",
            "训练任务存储区与其他服务器共享，这些训练任务是在其中一台上启动的。如果那台服务器已不在，请将它们标记为中断，"
            "以便学生继续运行。",
        ),
        "teacher.unowned_label": (
            "{run_id} · {owner} · on {host} · last heard {minutes} min ago",
            "{run_id} · {owner} · 位于 {host} · 最后更新于 {minutes} 分钟前",
        ),
        "teacher.unowned_pick": ("Run", "运行"),
        "teacher.mark_interrupted": ("Mark interrupted", "标记为中断"),
    }
)
