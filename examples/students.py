"""The example class the demo grades: each student is a recipe over the committed release.

``"solution"`` hands in the reference solution, ``"release"`` the untouched
release; otherwise a dict maps an assignment to the zoo cases
(``bug:<name>`` or ``alt:<name>`` from ``tests/zoo``) whose answers the
student wrote, with the reference solution everywhere else.
"""

STUDENTS = {
    "alice": "solution",
    "bob": "release",
    "carol": {  # mostly right, in her own way, with the classic slips
        "01_neuron": ["bug:sigmoid_naive_overflows", "alt:relu_where", "bug:perceptron_strict_step"],
        "02_forward_pass": ["alt:dense_np_dot", "bug:dense_transposed_weights"],
        "03_losses": ["bug:mse_sum_not_mean", "alt:bce_where"],
        "04_gradient_descent": ["bug:numgrad_forgets_to_restore_w"],
        "05_backprop": ["bug:backward_sigmoid_prime_of_activations"],
        "06_keras_basics": ["bug:xor_two_hidden_units", "alt:logistic_sgd"],
        "07_fashion_mnist": ["bug:preprocess_no_scaling"],
        "08_regularization": ["bug:dropout_not_inverted"],
        "09_cnn": ["bug:conv_flipped_kernel_true_convolution"],
        "10_rnn": ["bug:lstm_gate_order_ifoc"],
        "11_modular_backprop": ["bug:relu_backward_zeroes_dout_in_place", "bug:train_mlp_slide_sigma_read_as_std"],
        "12_batchnorm_optimizers": ["bug:bn_unbiased_variance", "alt:optimizers_with_copies_and_in_place_arithmetic"],
        "13_evaluation": ["bug:prf_nan_when_undefined", "alt:auc_mann_whitney_average_ranks"],
        "14_probabilistic_regression": ["bug:model_constant_sigma", "alt:nll_scipy_logpdf"],
    },
    "dave": {  # correct alternatives everywhere he tried them
        "01_neuron": ["alt:sigmoid_via_tanh", "alt:predict_no_hidden_loop"],
        "02_forward_pass": ["alt:dense_einsum"],
        "03_losses": ["alt:mse_square_method_mean"],
        "04_gradient_descent": ["alt:numgrad_nditer_cs231n"],
        "05_backprop": ["alt:sigmoid_prime_lecture_formula"],
        "06_keras_basics": ["alt:xor_relu_16_units"],
        "07_fashion_mnist": ["alt:split_rng_choice"],
        "08_regularization": ["alt:dropout_mask_divided"],
        "09_cnn": ["alt:conv_loops_over_outputs_tensordot"],
        "10_rnn": ["alt:rnn_einsum"],
        "11_modular_backprop": ["alt:layers_dict_caches_np_dot", "alt:train_mlp_legacy_seed_in_place_updates"],
        "12_batchnorm_optimizers": ["alt:bn_keepdims_dict_cache_staged_backward"],
        "13_evaluation": ["alt:cm_bincount", "alt:grid_parameter_grid_and_history"],
        "14_probabilistic_regression": ["alt:model_exponential_sigma", "alt:interval_scipy_norm_interval"],
    },
}
