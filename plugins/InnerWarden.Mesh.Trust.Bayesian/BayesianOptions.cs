using System.Globalization;

namespace InnerWarden.Mesh.Trust.Bayesian;

/// <summary>The Beta prior and the weight of a contradiction.</summary>
/// <param name="Initial">Trust of an identity nobody vouched for: the prior mean a / (a + b).</param>
/// <param name="PriorStrength">a + b: how many observations the prior is worth. Larger = slower to move.</param>
/// <param name="ContradictionWeight">How many failures one contradiction counts as (3 keeps the seed's 3:1).</param>
internal sealed record BayesianOptions(double Initial, double PriorStrength, double ContradictionWeight)
{
    // a = 1, b = 9: a new peer starts at the seed's 0.1 and the prior is worth ten observations.
    public static BayesianOptions Default { get; } = new(0.1, 10, 3);

    /// <summary>Reads <c>initial</c>, <c>prior_strength</c> and <c>contradiction_weight</c>; a bad value throws naming the setting and the value.</summary>
    public static BayesianOptions Parse(string pluginName, IReadOnlyDictionary<string, string> settings)
    {
        foreach (var key in settings.Keys)
        {
            if (key is not ("initial" or "prior_strength" or "contradiction_weight"))
            {
                throw new ArgumentException(
                    $"plugin_settings.{pluginName}.{key}: unknown setting (known: initial, prior_strength, contradiction_weight)", nameof(settings));
            }
        }
        return new BayesianOptions(
            Read(pluginName, settings, "initial", Default.Initial, 0, 1, "[0, 1]"),
            Read(pluginName, settings, "prior_strength", Default.PriorStrength, 1, 1_000_000, "[1, 1000000]"),
            Read(pluginName, settings, "contradiction_weight", Default.ContradictionWeight, 1, 100, "[1, 100]"));
    }

    private static double Read(string pluginName, IReadOnlyDictionary<string, string> settings, string key, double fallback, double min, double max, string range)
    {
        if (!settings.TryGetValue(key, out var text))
        {
            return fallback;
        }
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            || !double.IsFinite(value) || value < min || value > max)
        {
            throw new ArgumentException($"plugin_settings.{pluginName}.{key}: '{text}' is not a number in {range}", nameof(settings));
        }
        return value;
    }
}
