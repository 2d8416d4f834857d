using System.Globalization;

namespace InnerWarden.Mesh.Trust.TitForTat;

/// <summary>The policy's numbers; the defaults are the seed's.</summary>
/// <param name="Initial">Trust of an identity nobody vouched for.</param>
/// <param name="ConfirmStep">Added per confirmed signal.</param>
/// <param name="ContradictStep">Subtracted per contradicted signal.</param>
internal sealed record TitForTatOptions(double Initial, double ConfirmStep, double ContradictStep)
{
    public static TitForTatOptions Default { get; } = new(0.1, 0.05, 0.15);

    /// <summary>Reads <c>initial</c>, <c>confirm_step</c> and <c>contradict_step</c>; a bad value throws naming the setting and the value.</summary>
    public static TitForTatOptions Parse(string pluginName, IReadOnlyDictionary<string, string> settings)
    {
        foreach (var key in settings.Keys)
        {
            if (key is not ("initial" or "confirm_step" or "contradict_step"))
            {
                throw new ArgumentException(
                    $"plugin_settings.{pluginName}.{key}: unknown setting (known: initial, confirm_step, contradict_step)", nameof(settings));
            }
        }
        return new TitForTatOptions(
            Read(pluginName, settings, "initial", Default.Initial, allowZero: true),
            Read(pluginName, settings, "confirm_step", Default.ConfirmStep, allowZero: false),
            Read(pluginName, settings, "contradict_step", Default.ContradictStep, allowZero: false));
    }

    private static double Read(string pluginName, IReadOnlyDictionary<string, string> settings, string key, double fallback, bool allowZero)
    {
        if (!settings.TryGetValue(key, out var text))
        {
            return fallback;
        }
        // A step of 0 would freeze trust for ever, so steps must be positive; the start may be 0 (trust nobody unvouched).
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            || !double.IsFinite(value) || value > 1 || value < 0 || (!allowZero && value == 0))
        {
            var range = allowZero ? "[0, 1]" : "(0, 1]";
            throw new ArgumentException($"plugin_settings.{pluginName}.{key}: '{text}' is not a number in {range}", nameof(settings));
        }
        return value;
    }
}
