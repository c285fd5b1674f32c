// The fenceline extension: starts `fenceline lsp` (the setting `fenceline.server.path`) for
// `.fence` files; highlighting is the TextMate grammar in syntaxes/.
import * as vscode from "vscode";
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from "vscode-languageclient/node";

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const config = vscode.workspace.getConfiguration("fenceline");
  const command = config.get<string>("server.path", "fenceline");
  const debounceMs = config.get<number>("server.debounceMs", 150);
  const serverOptions: ServerOptions = {
    command,
    args: ["lsp"],
    transport: TransportKind.stdio,
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: "file", language: "fenceline" }],
    initializationOptions: { debounceMs },
    synchronize: {
      fileEvents: vscode.workspace.createFileSystemWatcher("**/{*.fence,fenceline.toml,.fenceline.toml}"),
    },
  };
  client = new LanguageClient("fenceline", "fenceline", serverOptions, clientOptions);
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration("fenceline.server") && client) {
        await client.stop();
        await activate(context);
      }
    }),
  );
  await client.start();
}

export async function deactivate(): Promise<void> {
  if (client) {
    await client.stop();
  }
}
