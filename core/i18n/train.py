"""Text of the trainer, the run store and the job queue (core.train, core.runs, core.jobs)."""

TEXT = {
    # core.runs
    "runs.bad_id": (
        "{run_id} is not a run id: run ids are letters, digits, '-' and '_' (up to 64)",
        "{run_id} 不是有效的训练任务 ID：训练任务 ID 只含字母、数字、'-' 和 '_'（最多 64 个字符）",
    ),
    "runs.not_found": ("There is no run {run_id}; it may have been deleted", "没有训练任务 {run_id}；它可能已被删除"),
    "runs.delete_active": (
        "Run {run_id} is still queued or running; stop it first, then delete it",
        "训练任务 {run_id} 仍在排队或训练中；请先停止，再删除",
    ),
    "runs.no_model": (
        "Run {run_id} has no trained model yet: it saves one after its first epoch",
        "训练任务 {run_id} 还没有训练好的模型：第一个 epoch 结束后才会保存",
    ),
    # core.train: settings
    "train.unknown_setting": (
        "`{name}` is not a training setting; did you mean: {close}?",
        "`{name}` 不是训练设置；你是不是想用：{close}？",
    ),
    "train.bad_type": ("`{name}` cannot be {value}: wrong kind of value", "`{name}` 不能是 {value}：值的类型不对"),
    "train.not_one_of": (
        "`{name}` = {value} is not available; choose one of {allowed} (closest: {close})",
        "`{name}` = {value} 不可用；请从 {allowed} 中选择（最接近的：{close}）",
    ),
    "train.too_small": (
        "`{name}` = {value} is too small; use {low} or more",
        "`{name}` = {value} 太小；请使用 {low} 或更大的值",
    ),
    "train.lr_positive": (
        "learning rate {value} must be a positive number, e.g. 0.001 for Adam or 0.01 for SGD",
        "学习率 {value} 必须是正数，例如 Adam 用 0.001，SGD 用 0.01",
    ),
    "train.out_of_range": (
        "`{name}` = {value} is outside the allowed range; use {allowed}",
        "`{name}` = {value} 超出允许范围；请使用 {allowed}",
    ),
    "train.bad_milestones": (
        "milestones {value} must be increasing epoch numbers from 1, e.g. [3, 6]",
        "milestones {value} 必须是从 1 开始递增的 epoch 编号，例如 [3, 6]",
    ),
    "train.no_cuda": (
        "device `cuda` was chosen but no GPU is available here; use `auto` or `cpu`",
        "选择了 `cuda` 设备，但这里没有可用的 GPU；请使用 `auto` 或 `cpu`",
    ),
    "train.unknown_dataset": (
        "there is no data set `{name}`; did you mean: {close}?",
        "没有名为 `{name}` 的数据集；你是不是想用：{close}？",
    ),
    "train.upload_without_count": (
        "a run on uploaded data (`{dataset}`) must say how many samples it holds in `max_samples`",
        "使用上传数据（`{dataset}`）的训练任务必须在 `max_samples` 中写明样本数",
    ),
    "train.unknown_model": (
        "there is no model preset `{name}`; did you mean: {close}?",
        "没有名为 `{name}` 的模型预设；你是不是想用：{close}？",
    ),
    "train.shape_mismatch": (
        "the data's samples have shape {data_shape} but the model expects {model_shape}; "
        "pick a model built for this data set or change its input shape",
        "数据样本的形状是 {data_shape}，而模型期望 {model_shape}；请选择为该数据集构建的模型，或修改其输入形状",
    ),
    "train.classes_mismatch": (
        "the model has {outputs} outputs but the data set has {classes} classes; "
        "set the last Linear layer's out_features to {classes}",
        "模型有 {outputs} 个输出，而数据集有 {classes} 个类别；请把最后一个 Linear 层的 out_features 设为 {classes}",
    ),
    # core.train: how a run ends
    "train.loss_not_finite": (
        "loss became {what} at step {step}; try a learning rate below {suggested_lr}",
        "损失在第 {step} 步变成了 {what}；请尝试低于 {suggested_lr} 的学习率",
    ),
    "train.loss_not_finite_at_start": (
        "loss was {what} at the very first step, before any update: the data or the model produce {what}; "
        "check the inputs for missing or infinite values",
        "第一步（尚未更新参数）损失就是 {what}：数据或模型产生了 {what}；请检查输入中是否有缺失值或无穷大",
    ),
    "train.cancelled": (
        "stopped on request after {epoch} complete epochs (step {step}); metrics and the last checkpoint are kept",
        "已按要求停止，完成了 {epoch} 个 epoch（第 {step} 步）；指标和最后一个检查点均已保留",
    ),
    "train.time_limit": (
        "time limit. This server trains a run for at most {minutes} min at a time; it stopped after "
        "{epoch} complete epochs (step {step}), its metrics and last checkpoint kept. Resume continues from there",
        "时间上限。本服务器每次最多连续训练一个训练任务 {minutes} 分钟；它在完成 {epoch} 个 epoch"
        "（第 {step} 步）后停止，指标和最后一个检查点均已保留。继续训练将从那里开始",
    ),
    "train.crashed": (
        "training stopped with an error: {error}",
        "训练因错误而停止：{error}",
    ),
    # core.jobs
    "jobs.not_resumable": (
        "run {run_id} is {state}; only interrupted, cancelled or failed runs can be resumed",
        "训练任务 {run_id} 的状态是 {state}；只有中断、取消或失败的训练任务才能继续",
    ),
    "jobs.cancelled_in_queue": ("cancelled while waiting in the queue", "在队列中等待时被取消"),
    "jobs.worker_died": (
        "the worker process (pid {pid}) ended without reporting: killed or crashed. "
        "Everything up to epoch {epoch} is kept; resume continues from there",
        "工作进程（pid {pid}）未报告就结束了：被终止或崩溃。第 {epoch} 个 epoch 之前的一切均已保留；继续训练将从那里开始",
    ),
    "jobs.ray_unreachable": (
        "training is unavailable: the Ray cluster at {address} cannot be reached ({error}). "
        "Every other page works; ask the person who runs the server to start the cluster, then try again",
        "训练暂不可用：无法连接位于 {address} 的 Ray 集群（{error}）。"
        "其他页面都可以正常使用；请联系服务器管理员启动集群，然后再试一次",
    ),
    "jobs.cancel_forced": (
        "stopped: the worker did not stop within {grace_s} s of the request, so it was ended; "
        "everything up to epoch {epoch} is kept",
        "已停止：工作进程在请求后 {grace_s} 秒内没有停止，因此被强制结束；第 {epoch} 个 epoch 之前的一切均已保留",
    ),
}
