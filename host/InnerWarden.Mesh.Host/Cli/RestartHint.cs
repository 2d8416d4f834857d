namespace InnerWarden.Mesh.Host.Cli;

/// <summary>What to tell an operator after a config change: the agent reads the file only at start.</summary>
internal static class RestartHint
{
    public const string Command = "sudo systemctl restart innerwarden-agent";

    public static string Text => $"restart the agent to apply: {Command}";
}
