"""Text of the exercises: questions, hints, explanations, the practice page and the class's results
(core/exercises.py, core/exercises_more.py, core/answer_check.py, core/practice.py, pages/practice.py)."""

TEXT = {
    # --- questions ---
    "exercise.ask.conv_size": (
        "An input of shape `{shape}` goes through `{layer}`. What are the output's height and width?",
        "形状为 `{shape}` 的输入经过 `{layer}`。输出的高和宽是多少？",
    ),
    "exercise.ask.conv_cell": (
        "`F.conv2d` slides the kernel over the input (stride 1, padding {padding}, no bias). "
        "What is the output cell at row {row}, column {col} (counting from 0)?",
        "`F.conv2d` 让卷积核在输入上滑动（步幅 1，填充 {padding}，无偏置）。"
        "输出第 {row} 行、第 {col} 列（从 0 数起）的值是多少？",
    ),
    "exercise.ask.pool_size": (
        "An input of shape `{shape}` goes through `{layer}`. What are the output's height and width?",
        "形状为 `{shape}` 的输入经过 `{layer}`。输出的高和宽是多少？",
    ),
    "exercise.ask.transpose_size": (
        "An input of shape `{shape}` goes through the transposed convolution `{layer}`. "
        "What are the output's height and width?",
        "形状为 `{shape}` 的输入经过转置卷积 `{layer}`。输出的高和宽是多少？",
    ),
    "exercise.ask.layer_shape": (
        "The model **{model}** takes an input of shape `{input}`. What is the shape after layer {index}, `{layer}`?",
        "模型 **{model}** 的输入形状为 `{input}`。经过第 {index} 层 `{layer}` 后，形状是什么？",
    ),
    "exercise.ask.param_count": (
        "How many parameters (weights and biases) does `{layer}` have?",
        "`{layer}` 有多少个参数（权重加偏置）？",
    ),
    "exercise.ask.broken_layer": (
        "This **{model}** fails on an input of shape `{input}`. Which layer breaks it (its number below), "
        "and what should the argument that is wrong be? Answer as `layer: value`.",
        "这个 **{model}** 在形状为 `{input}` 的输入上出错。是哪一层出的错（下面的编号），"
        "出错的参数应该是多少？按 `层号: 值` 回答。",
    ),
    "exercise.ask.loss_value": (
        "What does `{loss}` give for input `{input}` and target `{target}`? Two decimal places are enough.",
        "对输入 `{input}` 和目标 `{target}`，`{loss}` 的结果是多少？保留两位小数即可。",
    ),
    "exercise.ask.iterations": (
        "A data set of {n} samples is loaded with `DataLoader(batch_size={batch}, drop_last={drop_last})`. "
        "How many iterations (optimizer steps) do {epochs} epoch(s) take?",
        "一个有 {n} 个样本的数据集用 `DataLoader(batch_size={batch}, drop_last={drop_last})` 加载。"
        "训练 {epochs} 个 epoch 一共要多少次迭代（优化器步数）？",
    ),
    "exercise.ask.predict_class": (
        "Which digit will the bundled digits model (`digits_lenet`) choose for this test picture? "
        "Commit to a guess before the bars appear.",
        "对这张测试图片，内置的手写数字模型（`digits_lenet`）会选哪个数字？先写下你的预测，再看柱状图。",
    ),
    # --- worked answers, in words ---
    "exercise.explain.conv_size": (
        "Each side gets the padding, the dilated kernel covers `d*(k-1)+1` pixels, and the stride counts how far "
        "the window moves: `floor((n + 2p - d(k-1) - 1) / s) + 1`, for the height and the width separately.",
        "两侧都要加上填充，膨胀后的卷积核覆盖 `d*(k-1)+1` 个像素，步幅是窗口每次移动的距离："
        "`floor((n + 2p - d(k-1) - 1) / s) + 1`，高和宽分别计算。",
    ),
    "exercise.explain.conv_size_dropped": (
        "Each side gets the padding, the dilated kernel covers `d*(k-1)+1` pixels, and the stride counts how far "
        "the window moves: `floor((n + 2p - d(k-1) - 1) / s) + 1`. The floor drops what no window reaches "
        "({dropped} rows/columns at the far end).",
        "两侧都要加上填充，膨胀后的卷积核覆盖 `d*(k-1)+1` 个像素，步幅是窗口每次移动的距离："
        "`floor((n + 2p - d(k-1) - 1) / s) + 1`。向下取整丢掉了窗口够不到的部分（末端 {dropped} 行/列）。",
    ),
    "exercise.explain.conv_cell": (
        "PyTorch's `conv2d` is a cross-correlation: the kernel is laid on the window as it is (not flipped), "
        "each pair is multiplied, and the products are summed.",
        "PyTorch 的 `conv2d` 实际是互相关：卷积核按原样（不翻转）放在窗口上，对应元素相乘后求和。",
    ),
    "exercise.explain.pool_floor": (
        "Pooling uses the convolution's size formula; its stride defaults to the kernel size, and the result is "
        "rounded down.",
        "池化用与卷积相同的尺寸公式；步幅默认等于核大小，结果向下取整。",
    ),
    "exercise.explain.pool_ceil": (
        "With `ceil_mode=True` the division is rounded up, so a partial last window counts, except a last "
        "window that would start in the right padding: PyTorch drops it.",
        "`ceil_mode=True` 时除法向上取整，不完整的最后一个窗口也算，但若最后一个窗口会从右侧填充里开始，PyTorch 会丢掉它。",
    ),
    "exercise.explain.transpose_size": (
        "A transposed convolution runs the convolution's size rule backwards: "
        "`(n - 1)*s - 2p + d*(k-1) + output_padding + 1`.",
        "转置卷积把卷积的尺寸规则反过来用：`(n - 1)*s - 2p + d*(k-1) + output_padding + 1`。",
    ),
    "exercise.explain.layer_shape": (
        "Follow the shape row by row, as the Architecture page's table does: convolutions and pooling use the "
        "size formula, Flatten multiplies everything after the batch, Linear gives its out_features.",
        "像结构页的表格那样逐层跟踪形状：卷积和池化用尺寸公式，Flatten 把批次之后的维度相乘，Linear 输出 out_features。",
    ),
    "exercise.explain.param_count": (
        "A convolution has `C_out x C_in/groups x kH x kW` weights and one bias per output channel; "
        "a Linear layer has `out x in` weights and one bias per output.",
        "卷积层有 `C_out x C_in/groups x kH x kW` 个权重，每个输出通道一个偏置；Linear 层有 `out x in` 个权重，每个输出一个偏置。",
    ),
    "exercise.explain.cross_entropy": (
        "Cross-entropy turns the scores into probabilities with softmax and takes minus the natural log of the "
        "target class's probability, averaged over the batch.",
        "交叉熵先用 softmax 把分数变成概率，再取目标类别概率的自然对数的相反数，并在批次上取平均。",
    ),
    "exercise.explain.mse": (
        "MSE squares each difference and takes the mean over all elements.",
        "均方误差把每个差值平方，再对所有元素取平均。",
    ),
    "exercise.explain.bce": (
        "BCE takes `-log(x)` where the target is 1 and `-log(1 - x)` where it is 0, averaged.",
        "BCE 在目标为 1 处取 `-log(x)`，在目标为 0 处取 `-log(1 - x)`，再取平均。",
    ),
    "exercise.explain.iterations": (
        "One iteration is one batch. The last, smaller batch counts unless `drop_last=True`; "
        "then multiply by the epochs.",
        "一次迭代就是一个批次。最后那个不满的批次也算一次，除非 `drop_last=True`；再乘以 epoch 数。",
    ),
    "exercise.explain.predict_class": (
        "The picture is test sample {test_index}; it shows a {label}. The model's three most likely classes are "
        "listed above.",
        "这张图片是第 {test_index} 个测试样本，画的是 {label}。上面列出了模型认为最可能的三个类别。",
    ),
    # --- hints: the step that went wrong ---
    "exercise.hint.generic": ("Not quite. Check each step again.", "不太对。请再检查一遍每一步。"),
    "exercise.hint.channels": (
        "The height and width may be right, but the channels are not: after a layer the channels are its "
        "output channels (pooling keeps them).",
        "高和宽也许对了，但通道数不对：经过一层后通道数是它的输出通道数（池化保持不变）。",
    ),
    "exercise.hint.padding_twice": (
        "You added the padding once. It goes on both sides: `2 x padding`.",
        "你只加了一次填充。两侧都有填充：`2 x padding`。",
    ),
    "exercise.hint.padding_forgot": ("You left out the padding.", "你漏掉了填充。"),
    "exercise.hint.dilation": (
        "You left out the dilation: a dilated kernel covers `d*(k-1)+1` pixels.",
        "你漏掉了膨胀：膨胀后的卷积核覆盖 `d*(k-1)+1` 个像素。",
    ),
    "exercise.hint.stride": (
        "You left out the stride: divide by it before adding 1.",
        "你漏掉了步幅：加 1 之前要先除以步幅。",
    ),
    "exercise.hint.floor": (
        "You rounded up. Convolution (and pooling without `ceil_mode`) rounds down: a window that does not "
        "fit is dropped.",
        "你向上取整了。卷积（以及不带 `ceil_mode` 的池化）向下取整：放不下的窗口被丢掉。",
    ),
    "exercise.hint.plus_one": (
        "You forgot the `+ 1`: it counts the first window's position.",
        "你忘了 `+ 1`：它算的是第一个窗口的位置。",
    ),
    "exercise.hint.conv_formula": (
        "Work it out with `floor((n + 2p - d(k-1) - 1) / s) + 1`, for the height and the width separately.",
        "请用 `floor((n + 2p - d(k-1) - 1) / s) + 1` 计算，高和宽分开算。",
    ),
    "exercise.hint.flipped": (
        "You flipped the kernel, as a mathematical convolution does. PyTorch's `conv2d` does not flip it.",
        "你把卷积核翻转了，就像数学上的卷积那样。PyTorch 的 `conv2d` 不翻转卷积核。",
    ),
    "exercise.hint.cell_padding": (
        "You used the input without its padding: with padding the windows start on the zeros around it.",
        "你用的是没有填充的输入：有填充时，窗口从周围的零开始。",
    ),
    "exercise.hint.cell": (
        "Find the window first: output row r starts at padded row r (stride 1). Multiply pairs, then add.",
        "先找到窗口：输出第 r 行从填充后的第 r 行开始（步幅 1）。对应相乘，再相加。",
    ),
    "exercise.hint.ceil_mode": (
        "You rounded down, but this layer has `ceil_mode=True`: round up.",
        "你向下取整了，但这一层设置了 `ceil_mode=True`：要向上取整。",
    ),
    "exercise.hint.ceil_last_window": (
        "Rounded up, right; but a last window that would start in the right padding is dropped.",
        "向上取整没错；但若最后一个窗口从右侧填充里开始，它会被丢掉。",
    ),
    "exercise.hint.pool_stride": (
        "Pooling's stride defaults to its kernel size, not to 1.",
        "池化的步幅默认等于核大小，而不是 1。",
    ),
    "exercise.hint.transpose_is_not_conv": (
        "That is what a convolution would give. A transposed convolution grows the input: "
        "`(n - 1)*s - 2p + d*(k-1) + output_padding + 1`.",
        "那是普通卷积的结果。转置卷积会放大输入：`(n - 1)*s - 2p + d*(k-1) + output_padding + 1`。",
    ),
    "exercise.hint.transpose_padding": (
        "You left out the padding: a transposed convolution trims `2 x padding` from the output.",
        "你漏掉了填充：转置卷积会从输出里去掉 `2 x padding`。",
    ),
    "exercise.hint.output_padding": ("You left out `output_padding`.", "你漏掉了 `output_padding`。"),
    "exercise.hint.transpose_times_stride": (
        "Not just `n x stride`: the kernel reaches past the last position.",
        "不只是 `n x stride`：卷积核会延伸到最后一个位置之外。",
    ),
    "exercise.hint.transpose_formula": (
        "Work it out with `(n - 1)*s - 2p + d*(k-1) + output_padding + 1`.",
        "请用 `(n - 1)*s - 2p + d*(k-1) + output_padding + 1` 计算。",
    ),
    "exercise.hint.layer_changes": (
        "That is the shape going into the layer; this layer changes it.",
        "那是进入这一层的形状；这一层会改变它。",
    ),
    "exercise.hint.out_channels": (
        "Height and width right; the channels become the layer's `out_channels`.",
        "高和宽对了；通道数要变成这一层的 `out_channels`。",
    ),
    "exercise.hint.flatten_all": (
        "Flatten multiplies every dimension after the batch, the channels too.",
        "Flatten 会把批次之后的所有维度相乘，包括通道。",
    ),
    "exercise.hint.layer_shape": (
        "Follow the layers one by one from the input; keep the batch dimension first.",
        "从输入开始逐层计算；第一维始终是批次。",
    ),
    "exercise.hint.bias": (
        "You left out the biases: one per output channel (or output).",
        "你漏掉了偏置：每个输出通道（或输出）一个。",
    ),
    "exercise.hint.bias_per_output": (
        "There is one bias per output, not per input.",
        "偏置是每个输出一个，不是每个输入一个。",
    ),
    "exercise.hint.groups": (
        "You left out `groups`: each output channel sees only `C_in / groups` input channels.",
        "你漏掉了 `groups`：每个输出通道只连接 `C_in / groups` 个输入通道。",
    ),
    "exercise.hint.in_channels": (
        "You left out the input channels: each filter has a kernel for every input channel it sees.",
        "你漏掉了输入通道：每个滤波器对它连接的每个输入通道都有一个卷积核。",
    ),
    "exercise.hint.kernel_area": (
        "A kernel has `kH x kW` weights, not `k`.",
        "一个卷积核有 `kH x kW` 个权重，而不是 `k` 个。",
    ),
    "exercise.hint.params": (
        "Count the weights (`C_out x C_in/groups x kH x kW`, or `out x in`) and add the biases.",
        "数出权重（`C_out x C_in/groups x kH x kW`，或 `out x in`），再加上偏置。",
    ),
    "exercise.hint.broken_value": (
        "Right layer; the argument must match what actually arrives there, not what it says now.",
        "层找对了；参数要与实际传到这里的形状一致，而不是它现在写的值。",
    ),
    "exercise.hint.broken_layer": (
        "Follow the shape from the input: the first layer whose expected input differs from what arrives "
        "is the one that breaks.",
        "从输入开始跟踪形状：第一个期望的输入与实际到达的不一致的层，就是出错的层。",
    ),
    "exercise.hint.ce_probability": (
        "That is the target's probability after softmax; the loss is minus its natural log.",
        "这是 softmax 之后目标类别的概率；损失是它的自然对数的相反数。",
    ),
    "exercise.hint.minus": (
        "Mind the sign: the loss is *minus* the log, so it is positive.",
        "注意符号：损失是对数的*相反数*，所以是正的。",
    ),
    "exercise.hint.natural_log": (
        "PyTorch uses the natural log (ln), not log10.",
        "PyTorch 用自然对数（ln），不是 log10。",
    ),
    "exercise.hint.mean": (
        "That is the sum. `reduction='mean'` (the default) divides by the number of elements.",
        "这是求和的结果。`reduction='mean'`（默认）要除以元素个数。",
    ),
    "exercise.hint.square": ("Square the differences before the mean.", "求平均之前要先把差值平方。"),
    "exercise.hint.bce_target": (
        "You swapped the sides: where the target is 1 the loss is `-log(x)`, where it is 0 `-log(1 - x)`.",
        "你把两种情况弄反了：目标为 1 时损失是 `-log(x)`，为 0 时是 `-log(1 - x)`。",
    ),
    "exercise.hint.cross_entropy": (
        "Softmax the scores, take the target's probability, then minus its natural log.",
        "先对分数做 softmax，取目标类别的概率，再取其自然对数的相反数。",
    ),
    "exercise.hint.mse": ("Square each difference, then take the mean.", "把每个差值平方，再取平均。"),
    "exercise.hint.bce": (
        "Each element: `-log(x)` if its target is 1, `-log(1 - x)` if 0; then the mean.",
        "每个元素：目标为 1 取 `-log(x)`，为 0 取 `-log(1 - x)`；再取平均。",
    ),
    "exercise.hint.drop_last": (
        "With `drop_last=True` the last, smaller batch is dropped: round down.",
        "`drop_last=True` 时最后那个不满的批次被丢掉：向下取整。",
    ),
    "exercise.hint.last_batch": (
        "The last, smaller batch is still a batch (`drop_last=False`): round up.",
        "最后那个不满的批次也是一个批次（`drop_last=False`）：向上取整。",
    ),
    "exercise.hint.epochs": (
        "That is one epoch; multiply by the number of epochs.",
        "这是一个 epoch 的次数；还要乘以 epoch 数。",
    ),
    "exercise.hint.iterations": (
        "Divide the samples by the batch size, round as `drop_last` says, then multiply by the epochs.",
        "用样本数除以批大小，按 `drop_last` 取整，再乘以 epoch 数。",
    ),
    "exercise.hint.model_wrong": (
        "That is what the picture shows, but is it what this model will choose? Models make mistakes; "
        "look at the strokes as the model sees them.",
        "图上画的确实是它，但模型会这样选吗？模型也会出错；试着像模型那样看这些笔画。",
    ),
    "exercise.hint.predict": (
        "Look again: which digit do the strokes look most like?",
        "再看看：这些笔画最像哪个数字？",
    ),
    "exercise.revealed": ("asked for the answer", "查看了答案"),
    # --- reading answers and sets ---
    "exercise.unclear": (
        "Not understood: expected numbers such as `{example}`.",
        "无法识别：应该是像 `{example}` 这样的数字。",
    ),
    "exercise.too_long": (
        "Not understood: an answer has at most {limit} characters, such as `{example}`.",
        "无法识别：答案最多 {limit} 个字符，例如 `{example}`。",
    ),
    "exercise.bad_topic": (
        "There is no topic `{value}`; choose one of {choices}.",
        "没有 `{value}` 这个主题；请从 {choices} 中选择。",
    ),
    "exercise.bad_size": (
        "A set has {choices} questions, not `{value}`.",
        "一组题目可以有 {choices} 道题，不能是 `{value}`。",
    ),
    "exercise.bad_seed": (
        "`{value}` is not a seed: use a whole number from 0.",
        "`{value}` 不是种子：请用从 0 开始的整数。",
    ),
    "exercise.sets_full": (
        "The home page holds at most {limit} exercise sets; withdraw one first.",
        "首页最多放 {limit} 组练习题；请先撤下一组。",
    ),
    "exercise.bad_set": (
        "`{value}` is not a set: a set reads `topic-size-seed`, e.g. `convolution-5-1234`.",
        "`{value}` 不是题组：题组的写法是 `主题-题数-种子`，例如 `convolution-5-1234`。",
    ),
}
