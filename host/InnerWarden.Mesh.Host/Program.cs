using InnerWarden.Mesh.Host.Cli;

return await MeshCli.RunAsync(args);
