/**
 * Kube Workbench's JupyterLab extension: a right-side "Kubernetes" panel to chat with the agent about
 * the cluster, see its findings and plans, dry-run a plan on the server and insert its cell into the
 * notebook (where a person approves and runs it). Commands in the palette; Accel Alt K opens it
 * (Accel Shift K would be CodeMirror's delete-line in a cell editor).
 */

import { ILayoutRestorer, type JupyterFrontEnd, type JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ISettingRegistry } from '@jupyterlab/settingregistry';

import { kubernetesIcon } from './icon';
import { PanelModel } from './model';
import { KubePanel } from './panel';

const PLUGIN_ID = 'kube-workbench:plugin';

export namespace CommandIDs {
  export const open = 'kube-workbench:open';
  export const askWhyCellFailed = 'kube-workbench:ask-why-cell-failed';
  export const refresh = 'kube-workbench:refresh';
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'The Kubernetes side panel: chat with the agent, plan cards, remediation cells.',
  autoStart: true,
  requires: [INotebookTracker, IRenderMimeRegistry],
  optional: [ICommandPalette, ISettingRegistry, ILayoutRestorer],
  activate: async (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker,
    rendermime: IRenderMimeRegistry,
    palette: ICommandPalette | null,
    settingRegistry: ISettingRegistry | null,
    restorer: ILayoutRestorer | null
  ): Promise<void> => {
    let settings: ISettingRegistry.ISettings | null = null;
    if (settingRegistry) {
      try {
        settings = await settingRegistry.load(PLUGIN_ID);
      } catch (error) {
        console.warn('kube-workbench: settings could not be loaded; using the server configuration', error);
      }
    }
    const model = new PanelModel(notebooks, settings);
    const panel = new KubePanel(model, rendermime);
    app.shell.add(panel, 'right', { rank: 600 });
    restorer?.add(panel, 'kube-workbench');

    const open = (): void => {
      app.shell.activateById(panel.id);
      panel.focusInput();
    };
    app.commands.addCommand(CommandIDs.open, {
      label: 'Open Kubernetes Panel',
      caption: 'Chat with the Kubernetes agent about the cluster',
      icon: kubernetesIcon,
      execute: open
    });
    app.commands.addCommand(CommandIDs.askWhyCellFailed, {
      label: 'Ask Kubernetes Workbench Why This Cell Failed',
      caption: 'Send the active cell and its error output to the agent',
      isEnabled: () => notebooks.activeCell !== null && model.canAsk(),
      execute: async () => {
        open();
        model.setAttachCell(true);
        await model.ask('Why did this cell fail?');
      }
    });
    app.commands.addCommand(CommandIDs.refresh, {
      label: 'Refresh Kubernetes Status',
      caption: 'Pull the cluster again and re-run the analysis',
      execute: () => model.refreshStatus(true)
    });
    for (const command of [CommandIDs.open, CommandIDs.askWhyCellFailed, CommandIDs.refresh]) {
      palette?.addItem({ command, category: 'Kubernetes' });
    }
    app.contextMenu.addItem({
      command: CommandIDs.askWhyCellFailed,
      selector: '.jp-Notebook .jp-CodeCell',
      rank: 100
    });

    await model.start();
  }
};

export default plugin;
