using System.CommandLine;

namespace InnerWarden.Mesh.Host.Cli;

/// <summary><c>innerwarden demo</c>: the local three-node demo (see <see cref="DemoCommandHandler"/>).</summary>
internal static class DemoCommand
{
    public static Command Create(GlobalOptions globals)
    {
        ArgumentNullException.ThrowIfNull(globals);
        var expiry = new Option<int>("--expiry-secs")
        {
            Description = "Node C's shortened short-block TTL in seconds, so an unconfirmed expiry happens during the demo",
            DefaultValueFactory = _ => 8,
        };
        expiry.Validators.Add(result =>
        {
            // A value that is not a number is the parser's own error ("Cannot parse argument 'abc'"); reading it here would throw.
            if (result.Tokens.Count == 1 && int.TryParse(result.Tokens[0].Value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
                && seconds is < 2 or > 40)
            {
                result.AddError("--expiry-secs must be from 2 to 40");
            }
        });
        var command = new Command("demo", "Run three nodes in this process and watch a signal travel, confirm and expire (no root needed, ends by itself)") { expiry };
        command.SetAction((parseResult, cancellationToken) => DemoCommandHandler.RunAsync(
            CliOutput.Out(parseResult), CliOutput.Error(parseResult), TimeSpan.FromSeconds(parseResult.GetValue(expiry)), cancellationToken));
        return command;
    }
}
