/* The paravirtual NIC as an lwIP netif: not connected yet (every VM runs as with --net none). */
#include "k/kernel.h"
#include "net/nic_netif.h"

int nic_netif_init(void)
{
	return -ENODEV;
}

int nic_netif_poll(void)
{
	return 0;
}

bool nic_netif_arm(void)
{
	return true;
}

void nic_netif_disarm(void)
{
}
