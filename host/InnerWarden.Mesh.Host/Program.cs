using InnerWarden.Mesh.Host.Agent;
using InnerWarden.Mesh.Host.Cli;

// First, before anything slow: a stop signal at any moment of the agent's start unwinds it (exit 0) instead of the
// runtime ending the process mid-start; every other command gets the same token (the demo honours Ctrl-C).
using var signals = new StopSignals();
return await MeshCli.RunAsync(args, cancellationToken: signals.Token);
