"""Text of the Losses page and of the loss rules (core.losses, core.loss_calculator)."""

TEXT = {
    "nav.losses": ("Losses", "损失函数"),
    "home.losses": (
        "Type numbers into L1, MSE, CrossEntropy, NLL, BCE and BCEWithLogits with reduction none / mean / sum, "
        "and see every term of the formula filled in next to PyTorch's own result.",
        "在 L1、MSE、CrossEntropy、NLL、BCE 和 BCEWithLogits 中输入数字，选择 reduction（none / mean / sum），"
        "逐项查看代入数字的公式，并与 PyTorch 的结果对照。",
    ),
    "losses.title": ("Loss functions", "损失函数"),
    "losses.intro": (
        "A loss function measures how far the model's output is from the target: one number that "
        "`loss.backward()` then differentiates. Type an input and a target; each term of the formula is "
        "worked out with your numbers and checked against `torch.nn.functional`.",
        "损失函数衡量模型输出与目标值之间的差距：得到一个数，随后由 `loss.backward()` 对它求梯度。"
        "输入 input 和 target，公式的每一项都会代入你的数字计算，并与 `torch.nn.functional` 的结果核对。",
    ),
    "losses.loss": ("Loss", "损失函数"),
    "losses.about_l1": (
        "Mean absolute error (MAE): the absolute difference of each element.",
        "平均绝对误差（MAE）：逐元素取差的绝对值。",
    ),
    "losses.about_mse": (
        "Mean squared error: the squared difference of each element; large errors count much more.",
        "均方误差：逐元素取差的平方；大的误差影响大得多。",
    ),
    "losses.about_cross_entropy": (
        "For C classes: the input is one row of C raw scores (logits) per sample, the target a class index "
        "0 … C−1. It applies log-softmax itself; no one-hot tensor is built.",
        "用于 C 个类别：input 每个样本一行 C 个原始分数（logits），target 是类别索引 0 … C−1。"
        "它自己计算 log-softmax，不会构造独热（one-hot）张量。",
    ),
    "losses.about_nll": (
        "Negative log-likelihood: the input is log-probabilities (log_softmax's output); "
        "log_softmax + NLLLoss = CrossEntropyLoss.",
        "负对数似然：input 是对数概率（log_softmax 的输出）；log_softmax + NLLLoss = CrossEntropyLoss。",
    ),
    "losses.about_bce": (
        "Binary cross-entropy: the input is a probability in [0, 1] (after a Sigmoid), the target 0 or 1.",
        "二元交叉熵：input 是 [0, 1] 之间的概率（经过 Sigmoid 之后），target 是 0 或 1。",
    ),
    "losses.about_bce_with_logits": (
        "Sigmoid + BCELoss in one, numerically stable: the input is a raw score of any size.",
        "把 Sigmoid 和 BCELoss 合为一步，数值上更稳定：input 可以是任意大小的原始分数。",
    ),
    "losses.reduction": ("reduction", "reduction（归约方式）"),
    "losses.reduction_help": (
        "none: one loss per element (or sample); mean: their average (the default); sum: their total",
        "none：每个元素（或样本）一个损失；mean：取平均值（默认）；sum：求和",
    ),
    "losses.input_values": ("input (the prediction)", "input（预测值）"),
    "losses.input_scores": ("input: scores, one row per sample", "input：分数，每个样本一行"),
    "losses.target_values": ("target (the true values, same shape)", "target（真实值，形状相同）"),
    "losses.target_classes": ("target: class index per sample", "target：每个样本的类别索引"),
    "losses.typing_help": (
        "Numbers separated by commas; rows separated by `;` (or write `[[0.1, 0.7], [0.8, 0.1]]`).",
        "数字之间用逗号分隔；行之间用 `;` 分隔（也可以写成 `[[0.1, 0.7], [0.8, 0.1]]`）。",
    ),
    "losses.weight": ("weight: one per class (optional)", "weight：每个类别一个权重（可选）"),
    "losses.weight_help": (
        "Class weights: a sample's loss is multiplied by its class's weight, and `mean` divides by the "
        "summed weights of the targets instead of by N",
        "类别权重：每个样本的损失乘以其类别的权重，`mean` 除以各目标权重之和而不是 N",
    ),
    "losses.smoothing": ("label_smoothing", "label_smoothing（标签平滑）"),
    "losses.smoothing_help": (
        "The target becomes (1 − ε) on the true class plus ε/C spread over all classes",
        "目标变为：真实类别取 (1 − ε)，再把 ε/C 平均分给所有类别",
    ),
    "losses.examples": ("Worked examples:", "示例："),
    "losses.example_tutorial": ("The tutorial's example", "教程中的例子"),
    "losses.example_tutorial_2": ("The tutorial's second example", "教程中的第二个例子"),
    "losses.example_batch": ("A batch of two samples", "两个样本的一批"),
    "losses.example_log_softmax": ("log_softmax output", "log_softmax 的输出"),
    "losses.example_probabilities": ("Probabilities", "概率"),
    "losses.example_logits": ("Logits", "logits（原始分数）"),
    "losses.formula": ("The formula", "公式"),
    "losses.terms": ("With your numbers", "代入你的数字"),
    "losses.by_formula": ("By the formula", "按公式计算"),
    "losses.by_torch": ("nn.{fn}", "nn.{fn}"),
    "losses.agree": (
        "The formula and PyTorch agree (to rounding).",
        "公式与 PyTorch 的结果一致（在舍入误差之内）。",
    ),
    "losses.disagree": (
        "The formula and PyTorch disagree: please report this.",
        "公式与 PyTorch 的结果不一致：请报告这个问题。",
    ),
    "losses.code": ("The same in PyTorch (runnable)", "同样的计算，用 PyTorch 写（可运行）"),
    "losses.training_title": ("The losses a training run uses", "训练时使用的损失函数"),
    "losses.training_intro": (
        "The Training page offers three losses. Each is computed exactly as below on every batch:",
        "训练页面提供三种损失函数，每一批数据都严格按下面的方式计算：",
    ),
    "losses.training_cross_entropy": (
        "- **CrossEntropyLoss**: `nn.CrossEntropyLoss()(outputs, y)` on the model's raw outputs, one per "
        "class. The model must not end in Softmax: the loss already applies log-softmax.",
        "- **CrossEntropyLoss**：`nn.CrossEntropyLoss()(outputs, y)`，作用于模型的原始输出，每个类别一个。"
        "模型最后不要加 Softmax：这个损失函数已经包含 log-softmax。",
    ),
    "losses.training_mse": (
        "- **MSELoss** on a classifier: the outputs first become probabilities (softmax) and the class "
        "index a one-hot row, then `nn.MSELoss()(outputs.softmax(dim=1), F.one_hot(y, C).float())`: "
        "the mean of N × C squared differences.",
        "- 分类问题中的 **MSELoss**：先把输出变成概率（softmax），把类别索引变成独热行，"
        "再计算 `nn.MSELoss()(outputs.softmax(dim=1), F.one_hot(y, C).float())`：N × C 个平方差的平均值。",
    ),
    "losses.training_bce": (
        "- **BCELoss**, as in the tutorial's binary DNN: one output per sample that a final Sigmoid makes "
        "the probability of class 1; `nn.BCELoss()(p.squeeze(1), y.float())`. For two classes only; a "
        "sample counts as class 1 when p ≥ 0.5.",
        "- **BCELoss**，与教程中的二分类 DNN 相同：每个样本一个输出，由最后的 Sigmoid 变成属于类别 1 的概率；"
        "`nn.BCELoss()(p.squeeze(1), y.float())`。仅用于两个类别；p ≥ 0.5 时判为类别 1。",
    ),
    "losses.to_training": ("Train a model with one of them", "用其中一种损失函数训练模型"),
    # --- typed numbers that cannot be used ---------------------------------------------------------
    "losses.empty": ("`{field}` is empty; type numbers such as 1, 2, 3", "`{field}` 为空；请输入数字，例如 1, 2, 3"),
    "losses.too_many": (
        "`{field}` has more than {max} numbers; this calculator is for worked examples, use at most {max}",
        "`{field}` 中的数字超过 {max} 个；这个计算器用于演示，最多使用 {max} 个",
    ),
    "losses.bad_list": (
        "`{field}` starts with `[` but is not a list of numbers; write e.g. [[0.1, 0.7], [0.8, 0.1]] or 0.1, 0.7; 0.8, 0.1",
        "`{field}` 以 `[` 开头，但不是数字列表；请写成 [[0.1, 0.7], [0.8, 0.1]] 或 0.1, 0.7; 0.8, 0.1",
    ),
    "losses.not_a_number": (
        "`{value}` in `{field}` (row {row}, position {position}) is not a number; write numbers such as 0.5 or -2, "
        "separated by commas",
        "`{field}` 中的 `{value}`（第 {row} 行，第 {position} 个）不是数字；请写 0.5 或 -2 这样的数字，用逗号分隔",
    ),
    "losses.not_finite": (
        "`{value}` in `{field}` is not a finite number; use an ordinary number such as 0 or 1",
        "`{field}` 中的 `{value}` 不是有限数；请使用 0 或 1 这样的普通数字",
    ),
    "losses.ragged": (
        "Row {row} of `{field}` has {got} numbers but the first row has {expected}; give every row {expected}",
        "`{field}` 的第 {row} 行有 {got} 个数字，而第一行有 {expected} 个；请让每一行都有 {expected} 个",
    ),
    "losses.shape_mismatch": (
        "input has shape {input} but target has shape {target}; this loss compares element by element, "
        "so give target the shape {input}",
        "input 的形状是 {input}，而 target 的形状是 {target}；这个损失函数逐元素比较，请让 target 的形状也为 {input}",
    ),
    "losses.target_count": (
        "input has {rows} row(s), one per sample, so target needs {rows} class index(es), not {got}",
        "input 有 {rows} 行（每个样本一行），所以 target 需要 {rows} 个类别索引，而不是 {got} 个",
    ),
    "losses.target_not_index": (
        "target {value} is not a class index: it must be a whole number from 0 to {max} (the input's columns); "
        "the nearest is {nearest}",
        "target {value} 不是类别索引：它必须是 0 到 {max} 之间的整数（input 的列号）；最接近的是 {nearest}",
    ),
    "losses.one_class": (
        "`{field}` has one number per row: one class only. Give each sample a score for every class, e.g. 0.1, 0.7, 0.2",
        "`{field}` 每行只有一个数字，也就是只有一个类别。请为每个样本给出每个类别的分数，例如 0.1, 0.7, 0.2",
    ),
    "losses.weight_count": (
        "weight needs one non-negative number per class ({classes}), not {got}; e.g. 1 for every class",
        "weight 需要每个类别一个非负数（共 {classes} 个），而不是 {got} 个；例如每个类别都写 1",
    ),
    "losses.smoothing_range": (
        "label_smoothing = {value} is outside 0 ≤ ε < 1; the nearest allowed is {nearest}",
        "label_smoothing = {value} 不在 0 ≤ ε < 1 范围内；最接近的允许值是 {nearest}",
    ),
    "losses.bce_target_range": (
        "BCE targets are 0 or 1 (or a probability in between); {value} is outside [0, 1], the nearest is {nearest}",
        "BCE 的 target 是 0 或 1（或两者之间的概率）；{value} 不在 [0, 1] 内，最接近的是 {nearest}",
    ),
    "losses.bce_input_range": (
        "BCELoss takes probabilities in [0, 1], and {value} is outside: apply a Sigmoid first, or choose "
        "BCEWithLogitsLoss, which applies it for you",
        "BCELoss 的输入必须是 [0, 1] 之间的概率，而 {value} 超出了范围：请先经过 Sigmoid，"
        "或者改用 BCEWithLogitsLoss，它会替你完成这一步",
    ),
    "losses.unknown": (
        "There is no loss `{value}`; choose one of {choices}",
        "没有名为 `{value}` 的损失函数；请从 {choices} 中选择",
    ),
    "losses.bad_reduction": (
        "reduction `{value}` is not one of {choices}; mean is the default",
        "reduction `{value}` 不是 {choices} 之一；默认是 mean",
    ),
    # --- warnings ------------------------------------------------------------------------------------
    "losses.softmax_before_cross_entropy": (
        "Every row is non-negative and sums to 1: this looks like softmax output. CrossEntropyLoss applies "
        "log-softmax itself, so softmax would be applied twice and the loss could never get small. Give it the "
        "model's raw outputs (logits), with no Softmax layer at the end. (The tutorial's example numbers "
        "happen to sum to 1; PyTorch still treats them as logits.)",
        "每一行都非负且和为 1：这看起来像 softmax 的输出。CrossEntropyLoss 自己会计算 log-softmax，"
        "这样 softmax 就被做了两次，损失永远降不下来。请把模型的原始输出（logits）交给它，模型最后不要加 Softmax 层。"
        "（教程里的示例数字恰好和为 1；PyTorch 仍把它们当作 logits。）",
    ),
    "losses.nll_needs_log": (
        "Every row sums to 1: these look like probabilities, but NLLLoss expects log-probabilities. "
        "Apply log_softmax to the scores (or use CrossEntropyLoss on the scores).",
        "每一行的和都是 1：这看起来像概率，但 NLLLoss 需要的是对数概率。"
        "请对分数使用 log_softmax（或者直接对分数使用 CrossEntropyLoss）。",
    ),
    "losses.softmax_before_loss": (
        "The model ends in {last}, but {loss} works on raw outputs (logits) and applies softmax itself. "
        "Remove the last {last} layer.",
        "模型以 {last} 结尾，但 {loss} 作用于原始输出（logits），并且自己会计算 softmax。请去掉最后的 {last} 层。",
    ),
    # --- which loss a model needs (core.losses) ------------------------------------------------------
    "losses.bce_needs_two_classes": (
        "BCE is for two classes, but the data set has {classes}; use CrossEntropyLoss",
        "BCE 只用于两个类别，而这个数据集有 {classes} 个类别；请使用 CrossEntropyLoss",
    ),
    "losses.bce_needs_one_output": (
        "BCE needs a model with one output (the probability of class 1), but this one has {outputs}; "
        "use CrossEntropyLoss, or end the model with Linear(…, 1) and Sigmoid",
        "BCE 需要只有一个输出（属于类别 1 的概率）的模型，而这个模型有 {outputs} 个输出；"
        "请使用 CrossEntropyLoss，或让模型以 Linear(…, 1) 和 Sigmoid 结尾",
    ),
    "losses.bce_needs_sigmoid": (
        "BCELoss takes probabilities, but the model ends in {last}, not Sigmoid; add a Sigmoid layer at the end",
        "BCELoss 的输入是概率，但模型以 {last} 而不是 Sigmoid 结尾；请在最后加一个 Sigmoid 层",
    ),
    "losses.one_output_needs_bce": (
        "The model has one output for two classes: train it with BCE, not {loss}",
        "模型用一个输出表示两个类别：请用 BCE 训练，而不是 {loss}",
    ),
}
