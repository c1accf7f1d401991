"""Text of the teacher's tools on the Class page: run actions, the class's results, the server's health."""

TEXT = {
    # --- a run no worker owns (core/reconcile.py) ---
    "reconcile.not_running": (
        "Run {run_id} is {state}, not running: there is nothing to mark.",
        "运行 {run_id} 的状态是 {state},不在训练中:无需标记。",
    ),
    "reconcile.worker_alive": (
        "Run {run_id} is still trained by worker {pid} on this server; use Stop instead.",
        "运行 {run_id} 仍由本服务器上的工作进程 {pid} 训练;请改用“停止”。",
    ),
    "reconcile.marked": (
        "interrupted: marked by the teacher, as no worker of this server trained it (it was started on {host}). "
        "Everything up to epoch {epoch} is kept; resume continues from there",
        "已中断:由教师标记,因为本服务器上没有工作进程在训练它(它启动于 {host})。"
        "第 {epoch} 个 epoch 之前的一切均已保留;继续运行将从那里开始",
    ),
}
