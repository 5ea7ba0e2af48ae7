"""Bug zoo for 13_evaluation."""

CM = "def confusion_matrix(labels_true, labels_pred, num_classes):\n{}"
PRF = "def precision_recall_f1(labels_true, labels_pred, positive=1):\n{}"
AUC = "def roc_auc(y_true, scores):\n{}"
GRID = "def grid_search(build_fn, param_grid, x_train, y_train, x_val, y_val, epochs, seed):\n{}"

COUNTS = ("    t, p = np.asarray(labels_true) == positive, np.asarray(labels_pred) == positive\n"
          "    tp, fp, fn = np.sum(t & p), np.sum(~t & p), np.sum(t & ~p)\n")
PAIRS = ("    y_true, scores = np.asarray(y_true), np.asarray(scores, dtype=float)\n"
         "    pos, neg = scores[y_true == 1][:, None], scores[y_true == 0][None, :]\n")


def grid(loop, score="model.evaluate(x_val, y_val, verbose=0)[1]", pick="max(results, key=lambda r: r[1])[0]",
         fit="        model.fit(x_train, y_train, epochs=epochs, verbose=0)\n"):
    """A grid search with one part swapped: the loop over combinations, the score, the pick or the training."""
    return GRID.format(
        "    results = []\n" + loop +
        "        keras.utils.set_random_seed(seed)\n        model = build_fn(**params)\n" + fit +
        f"        results.append((params, float({score})))\n    return {pick}, results")


PRODUCT = ("    names = list(param_grid)\n"
           "    for values in itertools.product(*param_grid.values()):\n        params = dict(zip(names, values))\n")

BUGS = {
    "cm_transposed": {
        "cells": {"confusion_matrix": CM.format(
            "    cm = np.zeros((num_classes, num_classes), dtype=int)\n"
            "    for t, p in zip(labels_true, labels_pred):\n        cm[p, t] += 1\n    return cm")},
        "loses": ["test_confusion_matrix"],
    },
    "cm_size_from_the_labels": {
        "cells": {"confusion_matrix": CM.format(
            "    k = max(labels_true.max(), labels_pred.max()) + 1\n    cm = np.zeros((k, k), dtype=int)\n"
            "    np.add.at(cm, (labels_true, labels_pred), 1)\n    return cm")},
        "loses": ["test_confusion_matrix"],
    },
    "cm_float_counts": {
        "cells": {"confusion_matrix": CM.format(
            "    cm = np.zeros((num_classes, num_classes))\n    np.add.at(cm, (labels_true, labels_pred), 1)\n    return cm")},
        "loses": ["test_confusion_matrix"],
    },
    "prf_precision_and_recall_swapped": {
        "cells": {"precision_recall_f1": PRF.format(
            COUNTS + "    precision = tp / (tp + fn) if tp + fn else 0.0\n    recall = tp / (tp + fp) if tp + fp else 0.0\n"
            "    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0\n"
            "    return precision, recall, f1")},
        "loses": ["test_precision_recall_f1"],
    },
    "prf_nan_when_undefined": {
        "cells": {"precision_recall_f1": PRF.format(
            COUNTS + "    with np.errstate(invalid='ignore'):\n"
            "        precision, recall = tp / (tp + fp), tp / (tp + fn)\n"
            "        f1 = 2 * precision * recall / (precision + recall)\n"
            "    return float(precision), float(recall), float(f1)")},
        "loses": ["test_precision_recall_f1"],
    },
    "prf_f1_arithmetic_mean": {
        "cells": {"precision_recall_f1": PRF.format(
            COUNTS + "    precision = tp / (tp + fp) if tp + fp else 0.0\n    recall = tp / (tp + fn) if tp + fn else 0.0\n"
            "    return precision, recall, (precision + recall) / 2")},
        "loses": ["test_precision_recall_f1"],
    },
    "prf_positive_always_one": {
        "cells": {"precision_recall_f1": PRF.format(
            "    t, p = np.asarray(labels_true), np.asarray(labels_pred)\n"
            "    tp, fp, fn = np.sum(t * p), np.sum((1 - t) * p), np.sum(t * (1 - p))\n"
            "    precision = tp / (tp + fp) if tp + fp else 0.0\n    recall = tp / (tp + fn) if tp + fn else 0.0\n"
            "    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0\n"
            "    return precision, recall, f1")},
        "loses": ["test_precision_recall_f1"],
    },
    "auc_ties_count_zero": {
        "cells": {"roc_auc": AUC.format(PAIRS + "    return float((pos > neg).mean())")},
        "loses": ["test_roc_auc"],
    },
    "auc_ranks_without_tie_averaging": {
        "cells": {"roc_auc": AUC.format(
            "    y_true, scores = np.asarray(y_true), np.asarray(scores)\n"
            "    ranks = np.empty(len(scores))\n    ranks[np.argsort(scores, kind='stable')] = np.arange(1, len(scores) + 1)\n"
            "    n_pos, n_neg = np.sum(y_true == 1), np.sum(y_true == 0)\n"
            "    return (ranks[y_true == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)")},
        "loses": ["test_roc_auc"],
    },
    "auc_negatives_above_positives": {
        "cells": {"roc_auc": AUC.format(PAIRS + "    return float(((neg > pos) + 0.5 * (neg == pos)).mean())")},
        "loses": ["test_roc_auc"],
    },
    "grid_picks_by_training_accuracy": {
        "cells": {"grid_search": grid(PRODUCT, score="model.evaluate(x_train, y_train, verbose=0)[1]")},
        "loses": ["test_grid_search"],
    },
    "grid_picks_by_test_accuracy": {
        "cells": {"grid_search": grid(PRODUCT, score="model.evaluate(x_test, y_test, verbose=0)[1]")},
        "loses": ["test_grid_search"],
    },
    "grid_reports_the_loss": {
        "cells": {"grid_search": grid(PRODUCT, score="model.evaluate(x_val, y_val, verbose=0)[0]")},
        "loses": ["test_grid_search"],
    },
    "grid_picks_the_worst": {
        "cells": {"grid_search": grid(PRODUCT, pick="min(results, key=lambda r: r[1])[0]")},
        "loses": ["test_grid_search"],
    },
    "grid_zip_instead_of_product": {
        "cells": {"grid_search": grid("    names = list(param_grid)\n    for values in zip(*param_grid.values()):\n"
                                      "        params = dict(zip(names, values))\n")},
        "loses": ["test_grid_search"],
    },
    "grid_reuses_one_params_dict": {
        "cells": {"grid_search": grid("    params = {}\n    for values in itertools.product(*param_grid.values()):\n"
                                      "        params.update(zip(param_grid, values))\n")},
        "loses": ["test_grid_search"],
    },
    "grid_never_trains": {
        "cells": {"grid_search": grid(PRODUCT, fit="")},
        "loses": ["test_grid_search"],
    },
}

ALTERNATIVES = {
    "cm_bincount": {"confusion_matrix": CM.format(
        "    flat = np.asarray(labels_true) * num_classes + np.asarray(labels_pred)\n"
        "    return np.bincount(flat, minlength=num_classes ** 2).reshape(num_classes, num_classes)")},
    "prf_from_sklearn": {"precision_recall_f1": PRF.format(
        "    from sklearn.metrics import precision_score, recall_score, f1_score\n"
        "    t, p = np.asarray(labels_true) == positive, np.asarray(labels_pred) == positive\n"
        "    return (precision_score(t, p, zero_division=0), recall_score(t, p, zero_division=0),\n"
        "            f1_score(t, p, zero_division=0))")},
    "auc_mann_whitney_average_ranks": {"roc_auc": AUC.format(
        "    from scipy.stats import rankdata\n    y_true = np.asarray(y_true)\n    ranks = rankdata(scores)\n"
        "    n_pos, n_neg = np.sum(y_true == 1), np.sum(y_true == 0)\n"
        "    return (ranks[y_true == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)")},
    "auc_trapezoids_over_thresholds": {"roc_auc": AUC.format(
        "    y_true, scores = np.asarray(y_true), np.asarray(scores, dtype=float)\n"
        "    tpr, fpr = [0.0], [0.0]\n"
        "    for threshold in np.unique(scores)[::-1]:\n"
        "        tpr.append(np.mean(scores[y_true == 1] >= threshold))\n"
        "        fpr.append(np.mean(scores[y_true == 0] >= threshold))\n"
        "    return float(np.trapezoid(tpr, fpr))")},
    "grid_parameter_grid_and_history": {"grid_search": GRID.format(
        "    from sklearn.model_selection import ParameterGrid\n    results = []\n"
        "    for params in ParameterGrid(param_grid):\n        keras.utils.set_random_seed(seed)\n"
        "        model = build_fn(**params)\n"
        "        history = model.fit(x_train, y_train, epochs=epochs, batch_size=16, validation_data=(x_val, y_val), verbose=0)\n"
        "        results.append((params, history.history['val_accuracy'][-1]))\n"
        "    best = max(range(len(results)), key=lambda i: results[i][1])\n    return results[best][0], results")},
}
