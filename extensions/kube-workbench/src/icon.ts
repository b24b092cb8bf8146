import { LabIcon } from '@jupyterlab/ui-components';

// A ship's wheel (the Kubernetes emblem's shape), drawn with the theme's icon colour.
const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="16" height="16">
  <g class="jp-icon3" fill="none" stroke="#616161" stroke-width="1.6" stroke-linecap="round">
    <circle cx="12" cy="12" r="6.2"/>
    <circle cx="12" cy="12" r="1.8" fill="#616161"/>
    <path d="M12 2.5v7.7M12 13.8v7.7M2.9 8.9l7.4 2.4M13.7 12.7l7.4 2.4M6.1 19.7l4.6-6.3M13.3 10.6l4.6-6.3M6.1 4.3l4.6 6.3M13.3 13.4l4.6 6.3"/>
  </g>
</svg>`;

export const kubernetesIcon = new LabIcon({ name: 'kube-workbench:wheel', svgstr: svg });
